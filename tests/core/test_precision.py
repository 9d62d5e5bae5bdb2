"""``--dtype auto`` picks bfloat16 only where the hardware computes it natively."""

from __future__ import annotations

import pytest

from radlite.core.precision import cpu_flags, cpu_has_bf16, resolve_dtype

CPUINFO_BF16 = "processor : 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16 amx_tile\n"
CPUINFO_AVX2 = "processor : 0\nflags\t\t: fpu sse avx2\n"


def test_flags_are_read_from_cpuinfo() -> None:
    assert {"avx2", "avx512_bf16"} <= cpu_flags(CPUINFO_BF16)
    assert cpu_flags("no flags line here") == set()


@pytest.mark.parametrize(("cpuinfo", "expected"), [(CPUINFO_BF16, "bfloat16"),
                                                   (CPUINFO_AVX2, "float32")])
def test_auto_on_cpu_follows_the_flags(cpuinfo: str, expected: str) -> None:
    assert resolve_dtype("auto", "cpu", cpu_flags(cpuinfo)) == expected


def test_amx_alone_counts_and_cuda_is_bfloat16() -> None:
    assert cpu_has_bf16({"amx_bf16"})
    assert resolve_dtype("auto", "cuda:0", set()) == "bfloat16"


def test_an_explicit_dtype_wins_and_a_bad_one_is_named() -> None:
    assert resolve_dtype("float32", "cpu", {"avx512_bf16"}) == "float32"
    with pytest.raises(ValueError, match="float8"):
        resolve_dtype("float8", "cpu")


def test_the_precision_is_part_of_a_backends_identity() -> None:
    from radlite.backends.base import Backend, DelegatingBackend, backend_identity

    class Local(Backend):
        name = "local"

        @property
        def dtype(self) -> str:
            return "bfloat16"

        def generate(self, requests):  # pragma: no cover - never called
            return []

    class Server(Local):
        @property
        def dtype(self) -> None:
            return None

    assert backend_identity(Local())["dtype"] == "bfloat16"
    assert backend_identity(DelegatingBackend(Local()))["dtype"] == "bfloat16"
    assert "dtype" not in backend_identity(Server())

"""Request bodies of the API (pydantic models; they define the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Id = Field(min_length=1, max_length=200, description="Report id, unique within the request.")


class ReportIn(BaseModel):
    """One report to extract from."""

    model_config = ConfigDict(extra="forbid")
    id: str = Id
    text: str = Field(description="The report text.")


class ExtractRequest(BaseModel):
    """Reports for a synchronous extraction."""

    model_config = ConfigDict(extra="forbid")
    reports: list[ReportIn] = Field(min_length=1)


class ImpressionIn(BaseModel):
    """Findings (and optional context) to draft an impression from."""

    model_config = ConfigDict(extra="forbid")
    id: str = Id
    findings: str
    indication: str | None = None
    background: str | None = None
    modality: str | None = None
    body_site: str | None = None


class ImpressRequest(BaseModel):
    """Reports for impression drafting."""

    model_config = ConfigDict(extra="forbid")
    reports: list[ImpressionIn] = Field(min_length=1)


class SummarizeRequest(BaseModel):
    """Patients' report series (the ``serial`` JSONL format, one object per patient)."""

    model_config = ConfigDict(extra="forbid")
    patients: list[dict[str, Any]] = Field(min_length=1)


class ReviewUpdate(BaseModel):
    """A reviewer's decisions for some values of one report."""

    model_config = ConfigDict(extra="forbid")
    reviewer: str = Field(min_length=1, max_length=100)
    values: dict[str, int | str | None] = Field(
        min_length=1, description="feature -> value; the model's value means 'accept'.")


class ImpressionEdit(BaseModel):
    """A reviewer's impression for one report (the draft unchanged means 'accept')."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=20_000, description="The reviewer's impression.")
    reviewer: str = Field(min_length=1, max_length=100)


class LearnRequest(BaseModel):
    """Options of a learn job ('Train on these reviews')."""

    model_config = ConfigDict(extra="forbid")
    reader: str | None = Field(None, min_length=1, max_length=100,
                               description="Learn from this reviewer's reviews only "
                                           "(a reader-level model); absent: all reviewers.")
    holdout: float = Field(0.3, gt=0.0, lt=1.0,
                           description="Share of the reviewed reports held out to compare "
                                       "the candidate with the current model.")
    folds: int | None = Field(None, ge=0, le=10,
                              description="Cross-fit the comparison over this many folds of "
                                          "all the reviews instead of one held-out part (0: "
                                          "held-out part; absent: 5 folds when the held-out "
                                          "part would have under 100 reports and the "
                                          "learner fits in seconds; docs/learn.md).")


class CompareItem(BaseModel):
    """One item of a comparison set."""

    model_config = ConfigDict(extra="forbid")
    id: str = Id
    context: str = Field("", description="Shown above both texts (e.g. the findings).")
    texts: dict[str, str] = Field(description="system name -> text")


class CompareCreate(BaseModel):
    """A new blinded comparison set."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=200)
    systems: list[str] = Field(default=["generated", "reference"], min_length=2, max_length=2)
    items: list[CompareItem] = Field(min_length=1)
    seed: int | None = Field(None, description="Seed of the A/B order (random when absent).")


class RatingIn(BaseModel):
    """One rater's choice for one item."""

    model_config = ConfigDict(extra="forbid")
    rater: str = Field(min_length=1, max_length=100)
    choice: Literal["A", "B", "equal"]


class ErrorInfo(BaseModel):
    """What went wrong: a stable machine code, a message that never quotes report text and,
    for some errors (e.g. validation), one entry per problem."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(description="Machine code, e.g. `invalid_request`, `not_found`.")
    message: str
    details: list[dict[str, Any]] = Field(
        default_factory=list, description="Validation problems: `loc`, `msg`, `type` each.")


class ErrorResponse(BaseModel):
    """The body of every error response (4xx and 5xx)."""

    model_config = ConfigDict(extra="forbid")
    error: ErrorInfo

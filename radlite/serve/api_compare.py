"""Blinded comparison endpoints (see :mod:`radlite.serve.compare`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse

from radlite.serve.auth import require_token
from radlite.serve.compare import CompareSets
from radlite.serve.models import CompareCreate, RatingIn

router = APIRouter(prefix="/v1/compare", dependencies=[Depends(require_token)],
                   tags=["compare"])


def _sets(request: Request) -> CompareSets:
    return request.app.state.compare


@router.post("", status_code=201, summary="Create a blinded comparison set")
def create_set(request: Request, body: CompareCreate) -> Any:
    """Store items with one text per system; each item's A/B order is drawn at random."""
    items = [item.model_dump() for item in body.items]
    return _sets(request).create(body.name, body.systems, items, body.seed)


@router.get("", summary="List comparison sets")
def list_sets(request: Request) -> Any:
    """Every comparison set with its counts."""
    return {"sets": _sets(request).list()}


@router.get("/{set_id}/items", summary="Items of a set (blinded)")
def list_items(request: Request, set_id: str, rater: str | None = Query(None)) -> Any:
    """Item ids and, with ``?rater=``, that rater's choices so far."""
    return {"set": _sets(request).describe(set_id),
            "items": _sets(request).items(set_id, rater)}


@router.get("/{set_id}/items/{item_id}", summary="One item (blinded)")
def get_item(request: Request, set_id: str, item_id: str,
             rater: str | None = Query(None)) -> Any:
    """Context, text A and text B; system names are not revealed."""
    return _sets(request).item(set_id, item_id, rater)


@router.put("/{set_id}/items/{item_id}/rating", summary="Rate an item")
def rate_item(request: Request, set_id: str, item_id: str, body: RatingIn) -> Any:
    """Record ``A``, ``B`` or ``equal`` for this rater (the latest rating wins)."""
    at = _sets(request).rate(set_id, item_id, body.rater, body.choice)
    return {"id": item_id, "rater": body.rater, "choice": body.choice, "at": at}


@router.get("/{set_id}/export.csv", summary="Ratings as the reader-study CSV")
def export_ratings(request: Request, set_id: str,
                   raw: bool = Query(False, description="Cells as they are: no ' before a "
                                     "cell a spreadsheet would run as a formula.")
                   ) -> PlainTextResponse:
    """``id,rater,rating,choice,system_a,system_b,winner,rated_at`` (see docs/serve.md).
    Spreadsheet-safe unless ``?raw=true`` (see "Spreadsheet-safe CSV" there)."""
    text = _sets(request).export_csv(set_id, raw=raw)
    headers = {"Content-Disposition": f'attachment; filename="{set_id}-ratings.csv"'}
    return PlainTextResponse(text, media_type="text/csv; charset=utf-8", headers=headers)

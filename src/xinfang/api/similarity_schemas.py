"""Schemas of /api/v1/petitions/{id}/similar (repeat and duplicate candidates, issue 12)."""

from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field

from .schemas import PetitionId


class SimilarFilters(Schema):
    all: bool = Field(False, description="1：同时列出低于判定阈值（但高于下限）的候选件")


class SimilarCandidateOut(Schema):
    id: int
    number: str
    kind: Literal["repeat", "duplicate"] = Field(description="repeat：同一信访人的同一事项（重复信访）；"
                                                           "duplicate：他人反映的同一在办事项（联名/并案）")
    score: float = Field(ge=0, le=1, description="同一事项的把握程度（0至1）")
    reasons: list[str]
    above_threshold: bool = Field(description="是否达到该类型的判定阈值")
    final: bool = Field(description="该事项已复核终结（同一事项不再受理）")
    decision: Literal["confirmed", "rejected"] | None = Field(None, description="工作人员的认定结论")


class SimilarOut(Schema):
    candidates: list[SimilarCandidateOut]


class SimilarDecisionIn(Schema):
    candidate_id: PetitionId
    kind: Literal["repeat", "duplicate"]
    decision: Literal["confirmed", "rejected"]


class SimilarDecisionOut(Schema):
    petition_id: int
    candidate_id: int
    kind: str
    decision: str
    repeat_of: str | None = Field(None, description="本件当前关联的重复信访原件编号")

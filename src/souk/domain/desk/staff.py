"""A member of the merchant's support staff as the desk knows them: name, skills and capacity.

Presence is not stored here: it is live state (``routing.Presence``) that a staff socket sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from souk.core.errors import BadRequest
from souk.domain.desk.routing import Skills

MAX_CAPACITY = 50
_NAME = re.compile(r"^[A-Za-z0-9_.@:-]{1,128}$")
_WORD = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True, slots=True)
class StaffProfile:
    merchant_id: str
    id: str  # the staff token's identity
    name: str = ""
    skills: Skills = field(default_factory=Skills)
    capacity: int = 3  # chats at once; a video call takes all of it

    def __post_init__(self) -> None:
        if not _NAME.match(self.id):
            raise BadRequest("a staff id is 1-128 letters, digits or _.@:-", code="bad_agent")
        if not 1 <= self.capacity <= MAX_CAPACITY:
            raise BadRequest(f"capacity must be 1..{MAX_CAPACITY}", code="bad_capacity")
        if len(self.name) > 120:
            raise BadRequest("a staff name is at most 120 characters", code="bad_agent")

    def to_dict(self) -> dict[str, Any]:
        s = self.skills
        return {"id": self.id, "name": self.name, "capacity": self.capacity,
                "skills": {"languages": sorted(s.languages), "categories": sorted(s.categories),
                           "vip": s.vip, "video": s.video}}

    @classmethod
    def from_dict(cls, merchant_id: str, agent_id: str, data: Any) -> StaffProfile:
        if not isinstance(data, dict):
            raise BadRequest("a staff profile is a JSON object", code="bad_agent")
        skills = data.get("skills") or {}
        if not isinstance(skills, dict):
            raise BadRequest("skills must be an object", code="bad_agent")
        langs, cats = skills.get("languages", []), skills.get("categories", [])
        for what, words in (("languages", langs), ("categories", cats)):
            if not isinstance(words, list) or len(words) > 100 or not all(
                    isinstance(w, str) and _WORD.match(w) for w in words):
                raise BadRequest(f"skills.{what} must be a list of short names", code="bad_agent")
        vip, video = skills.get("vip", False), skills.get("video", False)
        capacity = data.get("capacity", 3)
        name = data.get("name", "")
        if not isinstance(vip, bool) or not isinstance(video, bool):
            raise BadRequest("skills.vip and skills.video are true or false", code="bad_agent")
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise BadRequest("capacity must be an integer", code="bad_capacity")
        if not isinstance(name, str):
            raise BadRequest("name must be text", code="bad_agent")
        return cls(merchant_id, agent_id, name, Skills(frozenset(w.lower() for w in langs), frozenset(cats),
                                                      vip, video), capacity)

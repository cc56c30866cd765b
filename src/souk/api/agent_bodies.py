"""The assistant API's bodies: what the shopper's routes (``souk.api.routes.agent``) take, with the limits and
patterns the desk's domain checks, so a body the schema allows is one the service accepts."""

from __future__ import annotations

from pydantic import BaseModel, Field


class OpenBody(BaseModel):
    language: str | None = Field(default=None, max_length=8)


class MessageBody(BaseModel):
    # at least one character that is not blank (a blank message is no turn: the desk's timeline refuses it too);
    # its size limit (Settings.limits.assistant_message_chars) answers 413 message_too_large
    text: str = Field(min_length=1, pattern=r"\S")
    language: str | None = Field(default=None, max_length=8)


class HumanBody(BaseModel):
    language: str | None = Field(default=None, max_length=8, description="the shopper's language, until the "
                                                                          "conversation shows it")


class CsatBody(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=1000)


# what souk.desk.service.DeskService.leave_email accepts, in printable ASCII: no blanks, an "@"
EMAIL_PATTERN = r"^[!-~]*@[!-~]*$"


class EmailBody(BaseModel):
    email: str = Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)

"""Text that people send: checked once, for every input schema, before anything is stored.

A NUL byte or another control character in a name or a note is never meant: it truncates values
in C libraries and terminals, hides text in logs and exports, and PostgreSQL refuses NUL in text
columns outright. Every input schema derives from `Input`, whose one validator refuses such
characters in any text field (a 422 naming the field). Free text that may run over lines
(narratives, notes, reasons) is declared `Text` and keeps tab, line feed and carriage return;
every other field (names, codes, titles) is one line and keeps none of them. Lone surrogates
(which JSON can carry but UTF-8 cannot store) are refused too.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any, get_args

from pydantic import BaseModel, ValidationInfo, field_validator

from qorgau.i18n import _


class _FreeText:
    """Marks a text field that may run over lines."""

    def __repr__(self) -> str:
        return "FREE_TEXT"


FREE_TEXT = _FreeText()
Text = Annotated[str, FREE_TEXT]

# C0 and C1 controls (Unicode category Cc) and surrogates (Cs); free text keeps \t \n \r.
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(value: str, *, free_text: bool = False) -> bool:
    return (_NOT_IN_TEXT if free_text else _NOT_IN_A_LINE).search(value) is not None


def _texts(value: Any) -> list[str]:
    """The strings a raw field value holds: itself, or the items of a list of them. A nested
    object is an input schema of its own and checks its own fields."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return [v for v in value if isinstance(v, str)]
    return []


def _marked(annotation: Any) -> bool:
    """Whether FREE_TEXT is in an annotation, also inside `Text | None` or `list[Text]`."""
    return any(arg is FREE_TEXT or _marked(arg) for arg in get_args(annotation))


@cache
def _is_free_text(model: type[BaseModel], name: str) -> bool:
    field = model.model_fields.get(name)
    if field is None:
        return False
    return any(m is FREE_TEXT for m in field.metadata) or _marked(field.annotation)


class Input(BaseModel):
    """The base of every input schema: no control characters in any text it is given."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        free_text = _is_free_text(cls, info.field_name or "")
        if any(has_control_characters(v, free_text=free_text) for v in _texts(value)):
            if free_text:
                raise ValueError(_("must not contain control characters (such as a NUL byte)"))
            raise ValueError(_("must be one line without control characters (such as a NUL byte or a tab)"))
        return value

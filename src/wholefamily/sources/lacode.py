"""A council's three-digit DfE local authority code (838, Dorset): the one check, here
at the lowest stage, so that loading, linking and the statutory returns share it."""

from __future__ import annotations

import re

_LA_CODE = re.compile(r"\d{3}")


class LaCodeError(ValueError):
    """Not a three-digit DfE LA code (a ValueError, as the returns have always raised)."""


def check_la_code(la_code: str) -> str:
    """The council's three-digit DfE LA code (e.g. 885), or a LaCodeError in one line."""
    if not isinstance(la_code, str) or _LA_CODE.fullmatch(la_code) is None:
        raise LaCodeError(
            f"the LA code must be the council's three-digit DfE code (such as 885), not {la_code!r}"
        )
    return la_code

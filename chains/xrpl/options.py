"""`[networks.XRP.options]` of the rippled/Clio backend."""

from __future__ import annotations

from dataclasses import dataclass

from chains.options import BackendOptions, OptionsError


@dataclass(frozen=True, slots=True)
class XrplOptions(BackendOptions):
    lines_limit: int = 400  # account_lines page size (rippled accepts 10..400)
    max_line_pages: int = 50  # pages of trust lines with one issuer before the row is left unread

    def validate(self, where: str) -> None:
        if not 10 <= self.lines_limit <= 400:
            raise OptionsError(f"{where}.lines_limit: rippled takes 10 to 400, got {self.lines_limit}")
        if self.max_line_pages < 1:
            raise OptionsError(f"{where}.max_line_pages: must be at least 1, got {self.max_line_pages}")

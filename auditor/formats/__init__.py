"""Readers for published address files. `open_address_file` detects the layout from the header names."""

from auditor.formats.reader import AddressFile, InputError, SummaryRow, open_address_file

__all__ = ["AddressFile", "InputError", "SummaryRow", "open_address_file"]

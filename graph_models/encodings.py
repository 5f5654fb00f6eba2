"""Which text encoding a data file is in, and its text as UTF-8 bytes.

SCHEMA.md: files are read as UTF-8 (with or without a byte-order mark) or
UTF-16 with a byte-order mark; a file that is not valid UTF-8 is read as
Windows-1252 (what Excel writes when asked for "CSV") with a warning naming
the file, so that a name like ``Zoë`` is not the reason a month is lost.

Everything after this module reads UTF-8 bytes without a byte-order mark: the
fast path hands them to Arrow's CSV reader, and commas, quotes and line breaks
are the same single bytes in every one of these encodings.

Examples
--------
>>> decode_to_utf8(b"\\xef\\xbb\\xbfchild_id\\n", "children.csv", []).data
b'child_id\\n'
>>> found = decode_to_utf8("child_id,display_name\\n1,Zoë\\n".encode("cp1252"), "children.csv", [])
>>> found.data.decode(), found.encoding
('child_id,display_name\\n1,Zoë\\n', 'windows-1252')
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from peermap.graph_models.rejects import WARNING, DataFolderError, Problem

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _windows_1252_undefined(error: UnicodeDecodeError):
    """The five bytes Windows-1252 leaves undefined are read as Windows itself reads them (C1 controls)."""
    return "".join(chr(b) for b in error.object[error.start : error.end]), error.end


codecs.register_error("peermap-windows-1252", _windows_1252_undefined)


@dataclass(frozen=True)
class FileText:
    """A file's text as UTF-8 bytes (no byte-order mark), and the encoding it was written in."""

    data: bytes
    encoding: str  # "utf-8", "utf-8 with byte-order mark", "utf-16", "windows-1252"


def line_of(data: bytes, offset: int) -> int:
    """The 1-based physical line holding byte ``offset``."""
    return data.count(b"\n", 0, offset) + 1


def decode_to_utf8(raw: bytes, file: str, problems: list[Problem]) -> FileText:
    """``raw`` as UTF-8 bytes; a Windows-1252 file is converted and reported as a warning.

    Raises
    ------
    DataFolderError
        A UTF-16 file that does not decode, or a file holding NUL bytes (most
        often UTF-16 saved without its byte-order mark): its text cannot be
        read safely.
    """
    if raw.startswith(_UTF16_BOMS):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DataFolderError(
                f"{file}: starts as UTF-16 but cannot be read as UTF-16 ({exc.reason} at byte {exc.start})"
            ) from None
        return FileText(_no_nul(text.encode("utf-8"), file), "utf-16")
    encoding = "utf-8"
    if raw.startswith(_UTF8_BOM):
        raw, encoding = raw[len(_UTF8_BOM) :], "utf-8 with byte-order mark"
    _no_nul(raw, file)
    if raw.isascii():
        return FileText(raw, encoding)
    try:
        raw.decode("utf-8")
        return FileText(raw, encoding)
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = raw.decode("cp1252", errors="peermap-windows-1252")
    problems.append(
        Problem(
            file,
            line_of(raw, first_bad),
            "",
            WARNING,
            f"not valid UTF-8 (byte 0x{raw[first_bad]:02X} on this line): the file was read as "
            'Windows-1252, what Excel writes for "CSV"; check its accented letters and save it '
            'as "CSV UTF-8" next time',
        )
    )
    return FileText(text.encode("utf-8"), "windows-1252")


def _no_nul(data: bytes, file: str) -> bytes:
    at = data.find(b"\0")
    if at >= 0:
        raise DataFolderError(
            f"{file}: line {line_of(data, at)} holds a NUL byte, which no CSV text has "
            "(is it UTF-16 saved without a byte-order mark, or not a CSV file?)"
        )
    return data

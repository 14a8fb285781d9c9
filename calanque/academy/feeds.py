"""Reading the académie's CSV feeds (staff, établissements).

The files come from spreadsheets and HR exports: UTF-8 with or without BOM,
or Windows-1252/Latin-1; separated by ``;`` (French Excel) or ``,``; column
names in any case, with or without accents. Each data row is returned with the
line number a person sees in a text editor, so that every error can name it.
"""

import csv
import io
from dataclasses import dataclass

from calanque.academy.identifiers import fold


class FeedError(Exception):
    """The file as a whole cannot be read (encoding, missing columns)."""


@dataclass
class Row:
    line: int
    values: dict[str, str]


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # Latin-1 maps every byte; cp1252 leaves five undefined.
        return data.decode("latin-1")


def column_key(name: str) -> str:
    return fold(name).strip().replace(" ", "_").replace("-", "_").replace("'", "_")


def read_rows(data: bytes, *, required: set[str], optional: set[str], aliases: dict[str, str]) -> list[Row]:
    """Parse ``data`` into rows keyed by canonical column names.

    Raises FeedError (with line 1) when a required column is missing. Unknown
    columns are refused too: a typo in a header would otherwise silently drop a
    whole column of data.
    """
    text = decode(data)
    if not text.strip():
        raise FeedError("ligne 1 : le fichier est vide")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise FeedError(f"ligne 1 : en-tête illisible ({exc})") from None
    columns = []
    for name in header:
        key = column_key(name)
        key = aliases.get(key, key)
        if key and key not in required | optional:
            raise FeedError(f"ligne 1 : colonne inconnue « {name.strip()} »")
        columns.append(key)
    missing = sorted(required - set(columns))
    if missing:
        raise FeedError(f"ligne 1 : colonne(s) manquante(s) : {', '.join(missing)}")
    rows = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise FeedError(f"ligne {start} : {exc}") from None
        line = reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if len(fields) > len(columns):
            rows.append(Row(start, {"__error__": f"{len(fields)} champs pour {len(columns)} colonnes"}))
            continue
        values = {key: (fields[i].strip() if i < len(fields) else "") for i, key in enumerate(columns) if key}
        rows.append(Row(start, values))
    return rows

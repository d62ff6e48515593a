"""Reading the table out of a result's HTML, for the tests of what `%%grad` displays."""

import html.parser


class TableReader(html.parser.HTMLParser):
    """The text of each <th>/<td> of the first table, row by row."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell, self._tables = [], None, 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._tables += 1
        if self._tables == 1 and tag == "tr":
            self.rows.append([])
        if self._tables == 1 and tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def table_of(html_text):
    """{row name: {column header: cell text}} from a result's HTML."""
    reader = TableReader()
    reader.feed(html_text)
    header, *rows = reader.rows
    return {row[0]: dict(zip(header[1:], row[1:])) for row in rows}

"""A small table as plain HTML, for st.markdown: sized to fit a narrow column such as the sidebar.

st.dataframe draws with a data grid whose script (161 KB gzipped) every first page load fetched
for the sidebar's nine-row layer table; st.table needs no such script but pads its cells for the
main column, so the layer table ran far past the sidebar's edge. Pure Python, no Streamlit.
"""

from html import escape

_CELL = "padding:0.15rem 0.4rem;border-bottom:1px solid #d5dbe3"


def compact_table_html(rows: list[dict], label: str) -> str:
    """`rows` (one dict per row, the same keys in each) as a table, headed by their keys; whole
    numbers right-aligned with thousands separators. In a column too narrow for it, the table
    scrolls sideways in a region named `label` that the keyboard can reach and scroll too."""
    columns = list(rows[0]) if rows else []
    numeric = {name for name in columns if all(_whole_number(row[name]) for row in rows)}

    def cell(name: str, text: str, tag: str = "td") -> str:
        align = "right" if name in numeric else "left"
        return f'<{tag} style="text-align:{align};{_CELL}">{text}</{tag}>'

    def shown(name: str, value) -> str:
        return f"{value:,}" if name in numeric else escape(str(value))

    head = "".join(cell(name, escape(name), "th") for name in columns)
    body = "".join("<tr>" + "".join(cell(name, shown(name, row[name])) for name in columns) + "</tr>" for row in rows)
    return (
        f'<div role="region" aria-label="{escape(label)}" tabindex="0" style="overflow-x:auto">'
        '<table class="compact-table" style="border-collapse:collapse;font-size:0.78rem;width:100%;margin:0">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _whole_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)

"""Present: how a number, a table or a chart looks to the reader.

Holds tables in HTML with their caption and source line (``tables``), charts with Swedish
axes and alt text (``charts``), the CSV and Excel downloads of every table (``downloads``)
and inline numbers and Markdown for pages (``display``).

May import: rapportbok.core, rapportbok.data, rapportbok.analysis.
"""

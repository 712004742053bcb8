"""Stage 3, render: Markdown, pages, relay pages, the fronted relay's pages and every site-wide file."""

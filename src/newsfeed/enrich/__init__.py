"""Enrichment: topics and related articles, pure functions over article text.

- `newsfeed.enrich.text`: Indonesian tokenisation and stopwords.
- `newsfeed.enrich.topics`: `extract_topics`, `topic_slug`, `section_topics`.
- `newsfeed.enrich.related`: `RelatedIndex` (incremental related-article lists).
"""

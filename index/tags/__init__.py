"""Passage tags: the themes a passage is about, the named measures and the places it names.

Made once per index build (`tag_passages`), for every passage of the version, and stored
beside the index (`TagTable`): filters, facet counts, hits and the overview read them.
Themes come from `themes.yaml` (descriptions embedded and compared with the passage's window
vectors, plus lexical cues), places from `places.yaml` (Norwegian municipalities, city
districts and named areas) and the catalog's places, measures from recurring name patterns
in the corpus itself. docs/tags.md says how, and how well.
"""

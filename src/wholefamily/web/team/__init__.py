"""The team around the family: the professionals involved, the family's own contact
details and address history, and how partners reach the key worker.

For the family page: `history.timeline_items(family)` (this app's entries for the
family's timeline) and `history.involved(family)` (the professionals involved now)."""

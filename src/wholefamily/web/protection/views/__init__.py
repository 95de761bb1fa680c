"""The pages of child protection, a section of the family's page (`section`) and the
changes made from it (`steps`)."""

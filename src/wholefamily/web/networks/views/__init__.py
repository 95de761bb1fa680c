"""The pages of a family's network: its section of the family's page (`section`) and
the changes made from it (`steps`)."""

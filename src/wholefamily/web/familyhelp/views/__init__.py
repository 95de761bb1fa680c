"""The pages of Family Help, a section of the family's page (`section`) and the changes
made from it (`steps`)."""

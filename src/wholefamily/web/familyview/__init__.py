"""The family's own view: a parent, carer or young person of a family signs in with an
account of their own and sees their family's plan, in plain words, on their phone.

A family account is a separate kind of user (`FamilyAccount`, no staff `Profile`): the
boundary middleware (`boundary.py`) refuses it every page outside this app's own, and
this app's pages refuse every staff user. What a family member may see is decided in
`seen.py`; what they may change goes through `services.py`.
"""

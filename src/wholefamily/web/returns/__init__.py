"""Statutory returns made from the case database: the Children in Need census (the
analyst's page, `views`; the command `wholefamily returns cin-census`; both through
`services.make_return`)."""

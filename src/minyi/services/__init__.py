"""The five services (五类服务) on one case, and the sites where they are given: service halls with
their windows and rooms, the professionals who serve there (mediators, resident lawyers,
counsellors ...), their hours, and appointments with them."""

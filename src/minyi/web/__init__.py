"""Server-rendered web pages: citizen portal, staff console, leader dashboard."""

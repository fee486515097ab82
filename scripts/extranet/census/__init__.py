"""The census of information systems (信息系统普查) as a spreadsheet round trip: the workbook each department
fills in, and its return applied to ``inventory/systems.yml``."""

"""Every write of 舆情监测, one function each: permission (org.access.require_role), validation, the change and its
audit row in one transaction. Patrols in patrols.py, the duty roster in roster.py and roster_import.py."""

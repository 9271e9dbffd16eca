"""舆情监测 (patrols, the duty roster, the keyword library): built by the monitoring issue. The deadline engine that
lived here moved to deadlines/, workcalendar/ and notifications/ (their tables keep the monitoring_ names)."""

"""The weekly report (日结周报) and the head-office dashboard."""

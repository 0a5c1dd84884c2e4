"""Bulk actions: a spreadsheet checked row by row, staged as a job, approved by an
admin and applied in chunks (``sheet``, ``model``, ``service``)."""

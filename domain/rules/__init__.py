"""Membership rules: a group's members (or a saved segment) decided by conditions
on people's attributes, enrolments, progress and other memberships.

One model (``model``) is read from typed text (``parser``) or the form's rows
(``form``), written back as text and in words (``text``) and evaluated in
Python (``evaluator``); storage compiles the same model to SQL
(``storage/rule_sql.py``), and a property test holds the two to the same
answers. ``service`` previews, saves, approves and applies rules.
"""

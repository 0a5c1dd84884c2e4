"""One person's card: ``model`` (the record and its actions) and ``service``
(who may see and change what)."""

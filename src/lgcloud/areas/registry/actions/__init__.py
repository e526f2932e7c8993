"""One service function per 異動, grouped by family (as Zulip's zerver/actions/). Each validates, then hands
the changes to engine.apply_event, which commits the event, projection, history, audit record and meter in one
transaction.

Inputs are plain values (from a form, the API, a CSV or a message); errors are ValidationFailed / Conflict with
a Japanese message naming the field. Import the functions from their family's module.
"""

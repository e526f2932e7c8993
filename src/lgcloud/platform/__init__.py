"""Platform services every business area uses: tenancy, accounts, audit, params, documents, events, worklists,
metering, the interchange engine, the web shell and the API."""

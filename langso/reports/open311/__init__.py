"""Open311 GeoReport v2 at /open311/v2/ (docs/field-reports.md, section "Open311"): the open
standard civic apps already speak, over the same services and public reads as our pages.

formats.py  JSON and XML output, the specification's error array, W3C dates
reads.py    the commune (jurisdiction_id), services, public requests and their updates
keys.py     API keys (only their SHA-256 is kept) and the rate limits of POSTs
submit.py   POST requests: the parameters' shape, then services.report_submit
views.py    the endpoints
key_views.py  the staff screen of a commune's keys (/can-bo/phan-anh/open311/)
"""

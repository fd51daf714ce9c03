"""The served app: Streamlit's pages (streamlit_app.py) and one HTTP route beside them.

POST /api/views takes the feed player's watch reports ({"ticket", "watched_s", "loops"}; the
ticket is the one the feed page handed the player). A report through Streamlit's own channel
(a component value) starts a script rerun, and one that reached the server after a page switch
left the new page blank; over plain HTTP a report touches nothing on screen.
`workbench serve` runs this file.
"""
import json

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pages.shared import workbench
from workbench import WorkbenchError
from workbench.errors import Forbidden, InvalidInput, NotFound

MAX_REPORT_BYTES = 4096
STATUS = {Forbidden: 403, InvalidInput: 400, NotFound: 404}


async def report_view(request: Request) -> Response:
    body = b""
    async for chunk in request.stream():  # read no more than a report can be
        body += chunk
        if len(body) > MAX_REPORT_BYTES:
            return JSONResponse({"error": "a watch report is a few hundred bytes"}, status_code=413)
    try:
        report = json.loads(body)
        ticket, watched_s, loops = report["ticket"], report["watched_s"], report["loops"]
    except (ValueError, TypeError, KeyError):
        return JSONResponse({"error": 'a watch report is JSON: {"ticket", "watched_s", "loops"}'}, status_code=400)
    try:
        await run_in_threadpool(workbench().videos.report_view, ticket, watched_s, loops)
    except WorkbenchError as error:  # a forged ticket, figures no player could send, a clip removed meanwhile
        return JSONResponse({"error": str(error)}, status_code=STATUS.get(type(error), 409))
    return Response(status_code=204)


app = st.App("streamlit_app.py", routes=[Route("/api/views", report_view, methods=["POST"])])

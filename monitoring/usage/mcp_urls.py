"""`/mcp/`: the MCP server over HTTP (no organisation in the URL: the API key names it)."""

from django.urls import path

from monitoring.usage.mcp_http import mcp_endpoint

urlpatterns = [path("", mcp_endpoint, name="mcp")]

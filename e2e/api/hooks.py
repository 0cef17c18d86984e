"""Checks Lành Mạng adds to schemathesis's own: every refusal is the documented error object,
with a message a Vietnamese user can read."""

import re

import schemathesis

# Letters only Vietnamese uses among the languages our users see; an English message has none.
VIETNAMESE = re.compile("[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)


@schemathesis.check
def error_object_in_vietnamese(ctx, response, case):
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except Exception:
        raise AssertionError(f"{response.status_code} without a JSON body: {response.text[:200]!r}")
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        raise AssertionError(f"{response.status_code} body is not {{error: {{code, message}}}}: {response.text[:200]!r}")
    if not VIETNAMESE.search(error["message"]):
        raise AssertionError(f"{response.status_code} message is not Vietnamese: {error['message']!r}")
    return None


# Python 3.11's ast module can raise "AST constructor recursion depth mismatch" (a CPython bug,
# fixed in later releases) when Hypothesis parses its own sources to name a lambda, aborting the
# operation being tested. A name is only for messages; an unknown one loses nothing.
import hypothesis.internal.lambda_sources as _lambda_sources

_describe = _lambda_sources._lambda_description


def _describe_safely(f, *args, **kwargs):
    try:
        return _describe(f, *args, **kwargs)
    except SystemError:
        return "lambda: <unknown>"


_lambda_sources._lambda_description = _describe_safely

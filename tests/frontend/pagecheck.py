"""Reading rendered pages the way the browser's Content-Security-Policy does."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Script types a browser never executes: data blocks are not subject to script-src.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}


@dataclass
class Element:
    tag: str
    attrs: dict
    line: int
    text: str = ""


@dataclass
class Page:
    elements: list[Element] = field(default_factory=list)

    def find(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._open_script: Element | None = None

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: (value or "") for name, value in attrs}, self.getpos()[0])
        self.page.elements.append(element)
        if tag in ("script", "style"):
            self._open_script = element

    def handle_startendtag(self, tag, attrs):
        self.page.elements.append(Element(tag, {n: (v or "") for n, v in attrs}, self.getpos()[0]))

    def handle_data(self, data):
        if self._open_script is not None:
            self._open_script.text += data

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._open_script = None


def parse(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.page


def policy(response) -> dict[str, list[str]]:
    """The enforced Content-Security-Policy of ``response`` as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _same_origin(url: str, host: str) -> bool:
    if url.startswith("//"):
        return url[2:].split("/", 1)[0] == host
    if re.match(r"[a-z][a-z0-9+.-]*:", url, re.IGNORECASE):
        return re.match(rf"https?://{re.escape(host)}(/|$)", url, re.IGNORECASE) is not None
    return True


def csp_problems(response) -> list[str]:
    """What in the page the response's own policy would block, as the browser judges it, and
    what the portal never allows (inline styles, event handlers, javascript: links)."""
    html = response.content.decode()
    host = response.wsgi_request.get_host() if hasattr(response, "wsgi_request") else "testserver"
    directives = policy(response)
    nonces = {
        directive: {s[len("'nonce-") : -1] for s in directives.get(directive, []) if s.startswith("'nonce-")}
        for directive in ("script-src", "style-src")
    }
    problems = []
    for element in parse(html).elements:
        where = f"line {element.line}: <{element.tag}>"
        for name in element.attrs:
            if name == "style":
                problems.append(f"{where} inline style")
            if name.startswith("on"):
                problems.append(f"{where} event handler {name}")
        if re.match(r"\s*javascript:", element.attrs.get("href", ""), re.IGNORECASE):
            problems.append(f"{where} javascript: link")
        nonce = element.attrs.get("nonce")
        if element.tag == "script":
            if element.attrs.get("type", "").lower() in DATA_SCRIPT_TYPES:
                continue
            if nonce is not None and nonce in nonces["script-src"]:
                continue
            if "src" in element.attrs:
                if not _same_origin(element.attrs["src"], host):
                    problems.append(f"{where} script from another origin: {element.attrs['src']}")
            else:
                problems.append(f"{where} inline script without the policy's nonce")
        elif element.tag == "style" and (nonce is None or nonce not in nonces["style-src"]):
            problems.append(f"{where} inline style element without the policy's nonce")
        elif element.tag == "link" and "stylesheet" in element.attrs.get("rel", ""):
            if not _same_origin(element.attrs.get("href", ""), host):
                problems.append(f"{where} stylesheet from another origin")
        elif element.tag == "img":
            src = element.attrs.get("src", "")
            if not (src.startswith("data:") or _same_origin(src, host)):
                problems.append(f"{where} image from another origin: {src}")
    return problems


def executable_inline_scripts(html: str) -> list[Element]:
    return [
        script
        for script in parse(html).find("script")
        if "src" not in script.attrs and script.attrs.get("type", "").lower() not in DATA_SCRIPT_TYPES
    ]

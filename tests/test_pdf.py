"""PDF rendering: real WeasyPrint, the CJK font embedded as a subset, only static files read."""

import re
from pathlib import Path

import pytest

from portal.core.pdf import ResourceRefused, render_pdf, static_fetcher
from tests.helpers import pdf_objects, pdf_page_count

CHINESE_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>测试</title></head><body>
<h1>三包有偿服务结算单</h1>
<p>经销商：甲经销商　地址：山东省济南市历下区经十路 1 号　服务电话：0531-88888888</p>
<table><tr><th>项目</th><th class="num">金额（元）</th></tr>
<tr><td>外出服务费（30 公里以内）</td><td class="num">80.00</td></tr></table>
<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk
+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==">
</body></html>"""


def test_a_chinese_page_renders_to_a_small_pdf_with_the_cjk_font_subset():
    pdf = render_pdf(CHINESE_PAGE)
    assert pdf.startswith(b"%PDF-")
    objects = pdf_objects(pdf)
    assert pdf_page_count(objects) == 1
    fonts = re.findall(rb"/BaseFont\s*/([A-Z]{6}\+)?([^\s/<>\[]+)", objects)
    assert fonts and all(b"WenQuanYi" in name for _tag, name in fonts)
    assert all(tag for tag, _name in fonts)  # "ABCDEF+": a subset, not the whole font
    assert len(pdf) < 300_000  # the whole font alone is over 10 MB


def test_relative_and_url_for_style_links_reach_static_files(app):
    html = ('<html><head><link rel="stylesheet" href="/static/css/print.css">'
            '<link rel="stylesheet" href="css/print.css"></head><body>页</body></html>')
    assert render_pdf(html).startswith(b"%PDF-")


def test_the_fetcher_serves_a_static_file(app):
    fetcher = static_fetcher()
    path = Path(app.static_folder) / "css" / "print.css"
    response = fetcher.fetch(path.as_uri())
    assert response.read() == path.read_bytes() and response.content_type == "text/css"
    response = fetcher.fetch("file:///static/css/print.css")  # url_for() against no host
    assert response.read() == path.read_bytes()
    assert fetcher.fetch("data:text/plain;base64,5Lit5paH").read() == "中文".encode()


@pytest.mark.parametrize("url", [
    "http://example.com/logo.png",
    "https://example.com/style.css",
    "ftp://example.com/x",
    "file:///etc/passwd",
    "file:///static/../../../../etc/passwd",
    "{static}/../portal/config.py",
    "{static}/css/../../../../../etc/passwd",
    "{static}/css/no-such-file.css",
    "{static}/css",
])
def test_the_fetcher_refuses_anything_else(app, url):
    root = Path(app.static_folder).resolve().as_uri()
    with pytest.raises(ResourceRefused):
        static_fetcher().fetch(url.replace("{static}", root))


def test_a_refused_resource_is_left_out_and_the_document_still_renders(app):
    html = ('<html><body><img src="file:///etc/passwd"><img src="http://example.com/a.png">'
            '<img src="../../../etc/passwd">页</body></html>')
    assert render_pdf(html).startswith(b"%PDF-")

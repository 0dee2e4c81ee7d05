"""Finance: the blueprint; its pages live in the *_views modules beside it."""

from flask import Blueprint

from portal.finance.numerals import capital_yuan

bp = Blueprint("finance", __name__, url_prefix="/finance")
bp.add_app_template_filter(capital_yuan, "capital_yuan")  # 大写金额 on notices and statements

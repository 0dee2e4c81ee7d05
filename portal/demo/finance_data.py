"""What the demo's finance people and dealers say, and the maker's prices, as plain tables."""

from decimal import Decimal as D

MAKER = {"maker_name": "山东三宝农业装备有限公司",
         "maker_address": "山东省济南市章丘区明水经济开发区工业二路88号",
         "maker_phone": "0531-88660000", "maker_tax_no": "91370181MA3N7K2X4B",
         "maker_service_line": "400-653-8866"}

# The rep's spot-check sends a claim back to the technical department: (reason, what the
# technical department then decides).
RETURN_TO_TECHNICAL = [
    ("回访时用户反映只换了一个件，与维修记录不符，请技术部复核", "partly"),
    ("工时明显高于同类故障的常见水平，请技术部再核一下工时", "partly"),
    ("照片中配件磨损状态与故障描述不一致，请再鉴定", "approve"),
]

# Finance cuts one line: (line kind, share of the amount it accepts, the reason).
CUTS = [
    ("travel", D("0.60"), "派工单里程与导航记录不符，按实际往返里程核减旅费"),
    ("travel", D("0.50"), "同一村庄两台车同日维修，旅费只结算一次，本单按一半核销"),
    ("labour", D("0.80"), "工时费按三包结算标准工时复核，超出部分不予核销"),
    ("other", D("0.50"), "其他费用无正式票据，按规定核销一半"),
    ("part", D("0.92"), "配件按本年度三包结算价核算，与索赔单价差额不予核销"),
]
BLOCKED = "旧件未在返件日（{due}）前返回，该项按规定不予核销"
REJECTIONS = [
    "回访用户称该次维修为自费维修，与三包索赔不符，费用不予核销",
    "维修记录与发票、派工单信息不一致，经销商未能提供说明，费用不予核销",
]

# A dealer disputes a notice; finance then voids it, and reissues it.
DISPUTES = [
    ("金额与我方台账不符：我方记账的三包费用比通知多出一笔旅费，请核对后重开",
     "已与经销商逐笔核对，差额为经销商重复记账；作废后按原核定金额重新出具供确认"),
    ("通知中的开户行信息为旧账户，我司财务无法入账，请更正后重新出具",
     "经销商开户信息已更新，作废原通知并重新出具"),
    ("通知所列索赔与我方提交清单核对不一致，请提供明细后重开",
     "已将核销明细发送经销商核对无误，作废后重新出具"),
]
OPEN_DISPUTE = "金额与我方台账不符：其中一单工时费我方按标准工时入账，与通知金额差额较大，请核实"

# The maker's prices to its dealers, per model (yuan, tax included).
DEALER_PRICES = {"SB-504": D("72600.00"), "SB-904": D("138500.00"), "SB-184": D("28800.00"),
                 "SB-4LZ6": D("226000.00"), "SB-4D28": D("21800.00")}
PAYMENT_MEMOS = ["电汇", "电汇", "网银转账", "银行承兑汇票"]

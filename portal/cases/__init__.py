"""包换 / 包退: the buyer's exchange and refund cases, from the request to the machine's return.

The seller answers to the buyer (谁销售谁负责, 《农业机械产品修理、更换、退货责任规定》(2010)
第四条): the dealer, or the sales clerk for it (seed 003, 篇十五: 退货换货 is the clerk's), opens a
case from an entitlement the rules raised or from the buyer's own request; the technical
department approves or refuses it; the dealer or the clerk completes it by handing over the
replacement machine or paying the refund, and the failed machine goes back to the factory.
"""

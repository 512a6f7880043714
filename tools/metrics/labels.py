"""How the metrics' measures, days, months and payment methods are said, in English and
Vietnamese: one table for the replies the offline model writes and the charts' captions."""

from __future__ import annotations

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS_VI = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
WEEKDAY_NAMES_VI = {
    "Monday": "Thứ Hai",
    "Tuesday": "Thứ Ba",
    "Wednesday": "Thứ Tư",
    "Thursday": "Thứ Năm",
    "Friday": "Thứ Sáu",
    "Saturday": "Thứ Bảy",
    "Sunday": "Chủ Nhật",
}
LABELS = {
    "revenue": ("Revenue", "Doanh thu"),
    "orders": ("Orders", "Số đơn"),
    "average_order_value": ("Average order", "Giá trị trung bình mỗi đơn"),
    "units_sold": ("Units sold", "Số lượng bán ra"),
    "customers": ("Customers", "Số khách"),
    "new_customers": ("New customers", "Khách mới"),
    "cancelled_orders": ("Cancelled orders", "Đơn hủy"),
    "cancelled_value": ("Value of cancelled orders", "Giá trị đơn hủy"),
    "refunded_orders": ("Refunded orders", "Đơn hoàn tiền"),
    "refunded_value": ("Refunded", "Tiền hoàn cho khách"),
    "pending_orders": ("Pending orders", "Đơn đang chờ"),
    "discounts": ("Discounts", "Giảm giá"),
    "tax": ("Tax", "Thuế"),
    "items_per_order": ("Items per order", "Số món mỗi đơn"),
}
PAYMENTS = {
    "bank": ("bank transfer", "chuyển khoản"),
    "cash": ("cash", "tiền mặt"),
    "card": ("card", "thẻ"),
    "e-wallet": ("e-wallet", "ví điện tử"),
    "(not recorded)": ("(not recorded)", "(không ghi)"),
}
NONE_VI = {
    "(no staff member)": "(không có nhân viên)",
    "(not recorded)": "(không ghi)",
    "(none)": "(không có)",
}

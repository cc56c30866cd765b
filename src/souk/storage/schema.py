"""The relational schema (SQLAlchemy Core). Alembic migrations in ./migrations create exactly this.

Over 500 lines because it is the one schema: every table beside the others, as the migrations create them
(the tenancy audit reads TENANT_TABLES here); the tables are data, not logic.

Tenancy: every tenant table carries ``merchant_id``; natural keys from a store (sku, customer id,
order id) are unique per merchant only, so their primary keys are (merchant_id, key).
"""

from __future__ import annotations

import sqlalchemy as sa

from souk.storage.types import JSONDoc, Money, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)


def _merchant_fk() -> sa.Column[str]:
    return sa.Column("merchant_id", sa.String(64), sa.ForeignKey("merchants.id"), nullable=False)


merchants = sa.Table(
    "merchants", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("languages", JSONDoc, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("ships_from", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("region", sa.String(64), nullable=False, server_default=""),  # migration 0005
    sa.Column("country", sa.String(2), nullable=False, server_default=""),  # migration 0005
    # Migration 0016: the region whose backend holds the merchant's data (souk.privacy.residency); "" = default
    sa.Column("data_region", sa.String(32), nullable=False, server_default=""),
)

api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("key_id", sa.String(32), primary_key=True),
    _merchant_fk(),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("key_hash", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Index("ix_api_keys_merchant", "merchant_id"),
)

users = sa.Table(
    "users", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("languages", JSONDoc, nullable=False),
    sa.Column("skills", JSONDoc, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.CheckConstraint("role IN ('seller', 'agent', 'admin', 'shopper')", name="role"),
    sa.UniqueConstraint("merchant_id", "email", name="uq_users_merchant_email"),
    sa.Index("ix_users_merchant_role", "merchant_id", "role"),
)

products = sa.Table(
    "products", metadata,
    _merchant_fk(),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("price", Money, nullable=False),
    sa.Column("weight_kg", sa.Float, nullable=False),
    sa.Column("names", JSONDoc, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("attributes", JSONDoc, nullable=False),
    sa.Column("stock", sa.Integer, nullable=False),
    sa.Column("restock_date", sa.Date, nullable=True),
    sa.PrimaryKeyConstraint("merchant_id", "sku"),
    sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
    sa.CheckConstraint("price >= 0", name="price_not_negative"),
)

customers = sa.Table(
    "customers", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("vip", sa.Boolean, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.Index("ix_customers_merchant_email", "merchant_id", "email"),
)

orders = sa.Table(
    "orders", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("customer_id", sa.String(64), nullable=False),
    sa.Column("placed_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("shipping_method", sa.String(32), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("subtotal", Money, nullable=False),
    sa.Column("shipping", Money, nullable=False),
    sa.Column("total", Money, nullable=False),
    sa.Column("currency_paid", sa.String(3), nullable=False),
    sa.Column("shipped_on", sa.Date, nullable=True),
    sa.Column("delivered_on", sa.Date, nullable=True),
    sa.Column("carrier", sa.String(64), nullable=True),
    sa.Column("tracking_number", sa.String(64), nullable=True),
    sa.Column("eta_from", sa.Date, nullable=True),
    sa.Column("eta_to", sa.Date, nullable=True),
    sa.Column("refund_status", sa.String(64), nullable=True),
    sa.Column("refunded", Money, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("shipping_address", JSONDoc, nullable=True),  # {"text", "country"} once changed; NULL: as placed
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.ForeignKeyConstraint(["merchant_id", "customer_id"], ["customers.merchant_id", "customers.id"],
                            name="fk_orders_customer"),
    sa.Index("ix_orders_merchant_customer", "merchant_id", "customer_id"),
    sa.Index("ix_orders_merchant_status", "merchant_id", "status"),
)

order_lines = sa.Table(
    "order_lines", metadata,
    _merchant_fk(),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("line_no", sa.Integer, nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("unit_price", Money, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "order_id", "line_no"),
    sa.ForeignKeyConstraint(["merchant_id", "order_id"], ["orders.merchant_id", "orders.id"],
                            name="fk_order_lines_order", ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["merchant_id", "sku"], ["products.merchant_id", "products.sku"],
                            name="fk_order_lines_product"),
    sa.CheckConstraint("qty > 0", name="qty_positive"),
)

shipping_zones = sa.Table(
    "shipping_zones", metadata,
    _merchant_fk(),
    sa.Column("region", sa.String(64), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("countries", JSONDoc, nullable=False),
    sa.Column("standard_min_days", sa.Integer, nullable=False),
    sa.Column("standard_max_days", sa.Integer, nullable=False),
    sa.Column("express_min_days", sa.Integer, nullable=False),
    sa.Column("express_max_days", sa.Integer, nullable=False),
    sa.Column("free_shipping_over", Money, nullable=False),
    sa.Column("duties", sa.Text, nullable=False),
    # migration 0005: the store file's flat fees and structured duty rules (NULL: not given)
    sa.Column("standard_fee", Money, nullable=True),
    sa.Column("express_fee", Money, nullable=True),
    sa.Column("duty_rules", JSONDoc, nullable=True),
    sa.PrimaryKeyConstraint("merchant_id", "region"),
)

policies = sa.Table(
    "policies", metadata,
    sa.Column("merchant_id", sa.String(64), sa.ForeignKey("merchants.id"), primary_key=True),
    sa.Column("document", JSONDoc, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

faq = sa.Table(
    "faq", metadata,
    _merchant_fk(),
    sa.Column("topic", sa.String(64), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("answers", JSONDoc, nullable=True),  # migration 0005: translations by language
    sa.PrimaryKeyConstraint("merchant_id", "topic"),
)

rooms = sa.Table(
    "rooms", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("metadata", JSONDoc, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.CheckConstraint("kind IN ('consult', 'live', 'voice', 'group')", name="kind"),  # migration 0010: group calls
    sa.CheckConstraint("status IN ('open', 'closed')", name="status"),
    sa.Index("ix_rooms_merchant_status", "merchant_id", "status"),
)

participants = sa.Table(
    "participants", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _merchant_fk(),
    sa.Column("room_id", sa.String(64), nullable=False),
    sa.Column("identity", sa.String(128), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("joined_at", UTCDateTime, nullable=False),
    sa.Column("left_at", UTCDateTime, nullable=True),
    sa.ForeignKeyConstraint(["merchant_id", "room_id"], ["rooms.merchant_id", "rooms.id"],
                            name="fk_participants_room"),
    sa.Index("ix_participants_room_identity", "merchant_id", "room_id", "identity"),
    # At most one open stay per identity and room (partial unique index on both backends).
    sa.Index("uq_participants_present", "merchant_id", "room_id", "identity", unique=True,
             sqlite_where=sa.text("left_at IS NULL"), postgresql_where=sa.text("left_at IS NULL")),
)

call_records = sa.Table(
    "call_records", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("room_id", sa.String(64), nullable=True),
    sa.Column("shopper_identity", sa.String(128), nullable=False),
    sa.Column("seller_identity", sa.String(128), nullable=True),
    sa.Column("product_sku", sa.String(64), nullable=True),
    sa.Column("language", sa.String(16), nullable=True),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("answered_at", UTCDateTime, nullable=True),
    sa.Column("ended_at", UTCDateTime, nullable=True),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("duration_s", sa.Float, nullable=True),
    # The Souk node whose process owns the call while it rings or runs (settings.node_id; '' = the single
    # node). Migration 0004: at start-up a node ends its own calls left open by its previous process.
    sa.Column("node_id", sa.String(64), nullable=False, server_default=""),
    # Migration 0006: the rest of the call (names, ended_by, origin room, note, cart) so any node can show it.
    sa.Column("detail", JSONDoc, nullable=True),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.ForeignKeyConstraint(["merchant_id", "room_id"], ["rooms.merchant_id", "rooms.id"],
                            name="fk_call_records_room"),
    sa.CheckConstraint(
        "outcome IS NULL OR outcome IN "
        "('completed', 'declined', 'missed', 'cancelled', 'failed', 'interrupted')",
        name="outcome"),
    sa.Index("ix_call_records_merchant_requested", "merchant_id", "requested_at"),
    sa.Index("ix_call_records_merchant_seller", "merchant_id", "seller_identity"),
    sa.Index("ix_call_records_open", "merchant_id", "node_id",
             sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL")),
)

# Live shopping (migration 0002): a flash sale's own unit counter, moved only by conditional UPDATEs.
flash_sales = sa.Table(
    "flash_sales", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("room_id", sa.String(128), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("price", Money, nullable=False),
    sa.Column("units", sa.Integer, nullable=False),
    sa.Column("sold", sa.Integer, nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("ends_at", UTCDateTime, nullable=False),
    sa.Column("ended", sa.Boolean, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.CheckConstraint("sold >= 0 AND sold <= units", name="sold_within_units"),
    sa.Index("ix_flash_sales_merchant_room", "merchant_id", "room_id"),
)

# Live shopping (migration 0003): coupons for a live room. ``redeemed`` moves only by a conditional UPDATE
# (below max_redemptions, not ended, not past ends_at) in the checkout's transaction; one row per customer in
# coupon_redemptions (its primary key) makes a coupon single-use per customer.
coupons = sa.Table(
    "coupons", metadata,
    _merchant_fk(),
    sa.Column("room_id", sa.String(128), nullable=False),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("value", Money, nullable=False),
    sa.Column("min_spend", Money, nullable=False),
    sa.Column("max_redemptions", sa.Integer, nullable=True),
    sa.Column("redeemed", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("ends_at", UTCDateTime, nullable=True),
    sa.Column("ended", sa.Boolean, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "room_id", "code"),
    sa.CheckConstraint("kind IN ('percent', 'amount')", name="kind"),
    sa.CheckConstraint("redeemed >= 0 AND (max_redemptions IS NULL OR redeemed <= max_redemptions)",
                       name="redeemed_within_max"),
)

coupon_redemptions = sa.Table(
    "coupon_redemptions", metadata,
    _merchant_fk(),
    sa.Column("room_id", sa.String(128), nullable=False),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("customer_id", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("discount", Money, nullable=False),
    sa.Column("redeemed_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "room_id", "code", "customer_id"),
    sa.ForeignKeyConstraint(["merchant_id", "room_id", "code"],
                            ["coupons.merchant_id", "coupons.room_id", "coupons.code"],
                            name="fk_coupon_redemptions_coupon"),
    sa.ForeignKeyConstraint(["merchant_id", "order_id"], ["orders.merchant_id", "orders.id"],
                            name="fk_coupon_redemptions_order"),
    sa.Index("ix_coupon_redemptions_order", "merchant_id", "order_id"),
)

# A viewer's cart in a live room: [[sku, qty], ...] as one JSON document per (merchant, room, identity), rewritten
# under the row lock; the checkout that turns it into an order deletes it in the same transaction.
live_carts = sa.Table(
    "live_carts", metadata,
    _merchant_fk(),
    sa.Column("room_id", sa.String(128), nullable=False),
    sa.Column("identity", sa.String(128), nullable=False),
    sa.Column("lines", JSONDoc, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "room_id", "identity"),
    sa.Index("ix_live_carts_merchant_updated", "merchant_id", "updated_at"),
)

# Migration 0004: a live room's pinned skus, [sku, ...] in pin order, one row per (merchant, room), rewritten
# under the row lock (souk.domain.pins has the rules); shared by every node, kept across restarts.
live_pins = sa.Table(
    "live_pins", metadata,
    _merchant_fk(),
    sa.Column("room_id", sa.String(128), nullable=False),
    sa.Column("skus", JSONDoc, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "room_id"),
    sa.Index("ix_live_pins_merchant_updated", "merchant_id", "updated_at"),
)

# Migration 0004: one row per flash-sale order, written in the buy's transaction. Its primary key is the
# order id (the buyer's idempotency key): a retried buy finds its first order here instead of buying again.
flash_sale_buys = sa.Table(
    "flash_sale_buys", metadata,
    _merchant_fk(),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("sale_id", sa.String(64), nullable=False),
    sa.Column("customer_id", sa.String(64), nullable=False),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("bought_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "order_id"),
    sa.ForeignKeyConstraint(["merchant_id", "order_id"], ["orders.merchant_id", "orders.id"],
                            name="fk_flash_sale_buys_order"),
    sa.ForeignKeyConstraint(["merchant_id", "sale_id"], ["flash_sales.merchant_id", "flash_sales.id"],
                            name="fk_flash_sale_buys_sale"),
    sa.Index("ix_flash_sale_buys_sale", "merchant_id", "sale_id"),
)

# Migration 0011: group buys (souk.domain.group_buys). An offer's counters (buyers, units) move only by one
# conditional UPDATE (units + qty <= cap, not ended, before ends_at) in the join's transaction, which also
# writes the buyer's order and its group_buy_joins row: the primary key (the order id) makes a retried join
# answer with its first order, the unique (offer, customer) makes a buyer join once. ``tiers`` is
# [[min_buyers, "price"], ...] in rising buyers.
group_buys = sa.Table(
    "group_buys", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("room_id", sa.String(128), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("tiers", JSONDoc, nullable=False),
    sa.Column("cap", sa.Integer, nullable=False),
    sa.Column("max_qty", sa.Integer, nullable=False),
    sa.Column("buyers", sa.Integer, nullable=False),
    sa.Column("units", sa.Integer, nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("ends_at", UTCDateTime, nullable=False),
    sa.Column("ended", sa.Boolean, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.CheckConstraint("units >= 0 AND units <= cap AND buyers >= 0 AND buyers <= units", name="within_cap"),
    sa.Index("ix_group_buys_merchant_room", "merchant_id", "room_id"),
)

group_buy_joins = sa.Table(
    "group_buy_joins", metadata,
    _merchant_fk(),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("offer_id", sa.String(64), nullable=False),
    sa.Column("customer_id", sa.String(64), nullable=False),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("joined_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "order_id"),
    sa.UniqueConstraint("merchant_id", "offer_id", "customer_id", name="uq_group_buy_joins_buyer"),
    sa.ForeignKeyConstraint(["merchant_id", "order_id"], ["orders.merchant_id", "orders.id"],
                            name="fk_group_buy_joins_order"),
    sa.ForeignKeyConstraint(["merchant_id", "offer_id"], ["group_buys.merchant_id", "group_buys.id"],
                            name="fk_group_buy_joins_offer"),
)

# Migration 0007: the customer-service desk (souk.domain.desk). A conversation's row holds its state (the last
# ``timeline.apply`` result); its events are rows numbered 1, 2, ... per conversation, each the JSON text of
# ``timeline.encode_event``. Appends lock the conversation's row, so concurrent writers get consecutive seqs.
DESK_STATUSES = "'ai', 'queued', 'assigned', 'closed'"
UNFINISHED = sa.text("status IN ('queued', 'assigned')")

desk_conversations = sa.Table(
    "desk_conversations", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(128), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("shopper_identity", sa.String(128), nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("customer_id", sa.String(64), nullable=True),
    sa.Column("queue", sa.String(200), nullable=True),
    sa.Column("agent_id", sa.String(128), nullable=True),
    sa.Column("active_call", sa.String(128), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("resolution", sa.String(16), nullable=True),
    sa.Column("csat", sa.Integer, nullable=True),
    sa.Column("events", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.CheckConstraint(f"status IN ({DESK_STATUSES})", name="status"),
    sa.CheckConstraint("events >= 0", name="events_not_negative"),
    sa.CheckConstraint("csat IS NULL OR csat BETWEEN 1 AND 5", name="csat_range"),
    sa.Index("ix_desk_conversations_merchant_status", "merchant_id", "status"),
    sa.Index("ix_desk_conversations_merchant_updated", "merchant_id", "updated_at"),
    sa.Index("ix_desk_conversations_merchant_created", "merchant_id", "created_at"),
    sa.Index("ix_desk_conversations_merchant_agent", "merchant_id", "agent_id"),
    sa.Index("ix_desk_conversations_merchant_shopper", "merchant_id", "shopper_identity"),
    # the desk rebuilds its queues from these at start-up, for every merchant
    sa.Index("ix_desk_conversations_unfinished", "merchant_id", "created_at",
             sqlite_where=UNFINISHED, postgresql_where=UNFINISHED),
)

desk_events = sa.Table(
    "desk_events", metadata,
    _merchant_fk(),
    sa.Column("conversation_id", sa.String(128), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # json.dumps(timeline.encode_event(event))
    sa.PrimaryKeyConstraint("merchant_id", "conversation_id", "seq"),
    sa.ForeignKeyConstraint(["merchant_id", "conversation_id"],
                            ["desk_conversations.merchant_id", "desk_conversations.id"],
                            name="fk_desk_events_conversation", ondelete="CASCADE"),
    sa.CheckConstraint("seq > 0", name="seq_positive"),
)

desk_agents = sa.Table(
    "desk_agents", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(128), nullable=False),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("skills", JSONDoc, nullable=False),  # {languages: [...], categories: [...], vip, video}
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.CheckConstraint("capacity > 0", name="capacity_positive"),
)

desk_settings = sa.Table(
    "desk_settings", metadata,
    sa.Column("merchant_id", sa.String(64), sa.ForeignKey("merchants.id"), primary_key=True),
    sa.Column("body", JSONDoc, nullable=False),  # DeskSettings.to_dict()
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# Webhooks (souk.domain.desk.webhooks). Times are unix seconds as the dispatcher keeps them. A delivery keeps
# the exact signed bytes; it outlives its endpoint (the log stays, the dispatcher fails what is pending).
WEBHOOK_PENDING = sa.text("status = 'pending'")

webhook_endpoints = sa.Table(
    "webhook_endpoints", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("events", JSONDoc, nullable=False),  # sorted event type values
    sa.Column("secret", sa.String(256), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("endpoint_id", sa.String(64), nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_status_code", sa.Integer, nullable=True),
    sa.Column("last_response", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
    sa.Index("ix_webhook_deliveries_merchant_created", "merchant_id", "created_at"),
    sa.Index("ix_webhook_deliveries_endpoint", "merchant_id", "endpoint_id", "created_at"),
    sa.Index("ix_webhook_deliveries_due", "next_attempt_at",
             sqlite_where=WEBHOOK_PENDING, postgresql_where=WEBHOOK_PENDING),
)

# One row per attempt, numbered per delivery in arrival order (``number`` is the dispatcher's count; a
# process that died between logging an attempt and saving its delivery may log that number twice).
webhook_attempts = sa.Table(
    "webhook_attempts", metadata,
    _merchant_fk(),
    sa.Column("delivery_id", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("response", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.PrimaryKeyConstraint("merchant_id", "delivery_id", "seq"),
    sa.ForeignKeyConstraint(["merchant_id", "delivery_id"], ["webhook_deliveries.merchant_id", "webhook_deliveries.id"],
                            name="fk_webhook_attempts_delivery", ondelete="CASCADE"),
)

# Events the dispatcher's queue had no room for, fanned out later oldest first (``seq``), by any node.
webhook_parked = sa.Table(
    "webhook_parked", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    _merchant_fk(),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("data", sa.Text, nullable=False),  # JSON text: read back, the event signs the same bytes
    sa.Column("parked_at", UTCDateTime, nullable=False),
    sa.Index("ix_webhook_parked_merchant", "merchant_id"),
)

# Actions taken on orders for a shopper or by staff (souk.assistant.actions): the audit, one row per request;
# a request's idempotency key is unique per merchant. No foreign key to orders: the audit outlives an order.
order_actions = sa.Table(
    "order_actions", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("refusal", sa.String(32), nullable=True),
    sa.Column("idempotency_key", sa.String(128), nullable=False),
    sa.Column("conversation_id", sa.String(128), nullable=True),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("details", JSONDoc, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.UniqueConstraint("merchant_id", "idempotency_key", name="uq_order_actions_idempotency_key"),
    sa.CheckConstraint("status IN ('done', 'refused')", name="status"),
    sa.Index("ix_order_actions_merchant_order", "merchant_id", "order_id", "created_at"),
)

# Returns and exchanges (RMAs) started on an order.
returns = sa.Table(
    "returns", metadata,
    _merchant_fk(),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("lines", JSONDoc, nullable=False),
    sa.Column("refund_amount", Money, nullable=False),
    sa.Column("fee", Money, nullable=False),
    sa.Column("label_ref", sa.String(64), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("action_id", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.CheckConstraint("kind IN ('return', 'exchange')", name="kind"),
    sa.CheckConstraint("status IN ('requested', 'received', 'refunded', 'cancelled')", name="status"),
    sa.Index("ix_returns_merchant_order", "merchant_id", "order_id"),
)

# Migration 0009: one call-quality record per participant per join (souk.domain.quality): the figures the ops
# queries filter on are columns, the whole record (counters, means, Janus's stats) is ``record``.
quality_records = sa.Table(
    "quality_records", metadata,
    _merchant_fk(),
    sa.Column("room_id", sa.String(128), nullable=False),
    sa.Column("identity", sa.String(128), nullable=False),
    sa.Column("session_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("failure", sa.String(32), nullable=True),
    sa.Column("record", JSONDoc, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "room_id", "identity", "session_id"),
    sa.Index("ix_quality_records_merchant_started", "merchant_id", "started_at"),
)

# Migration 0010: a voice room's seats (souk.domain.seats): the whole seat map (seats, raised hands,
# invitations) as one JSON document per room with a version; a change is read under the row lock and written
# only over the version it read (souk.storage.repos.voice_rooms), so concurrent seat requests on any node
# serialize in the database. The room itself is a ``rooms`` row of kind ``voice``.
voice_rooms = sa.Table(
    "voice_rooms", metadata,
    _merchant_fk(),
    sa.Column("room_id", sa.String(64), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("host_identity", sa.String(128), nullable=False),
    sa.Column("record", sa.Boolean, nullable=False),
    sa.Column("state", JSONDoc, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime, nullable=True),
    sa.PrimaryKeyConstraint("merchant_id", "room_id"),
    sa.ForeignKeyConstraint(["merchant_id", "room_id"], ["rooms.merchant_id", "rooms.id"],
                            name="fk_voice_rooms_room"),
    sa.Index("ix_voice_rooms_merchant_ended", "merchant_id", "ended_at"),
)

# Migration 0012: translation (souk.translate, issue 16). ``translation_cache``: one translated text per merchant
# and cache key (provider, direction, glossary version, source hash: souk.translate.cache.cache_key), shared by
# every node. ``catalog_texts``: machine-made product names/descriptions per language waiting for the seller's
# review (souk.domain.catalog_texts); the seller's own texts stay in ``products`` and are never overwritten.
translation_cache = sa.Table(
    "translation_cache", metadata,
    _merchant_fk(),
    sa.Column("key", sa.String(160), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "key"),
    sa.Index("ix_translation_cache_merchant_created", "merchant_id", "created_at"),
)

catalog_texts = sa.Table(
    "catalog_texts", metadata,
    _merchant_fk(),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("field", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("source_lang", sa.String(8), nullable=False),
    sa.Column("source_hash", sa.String(64), nullable=False),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "sku", "lang", "field"),
    sa.CheckConstraint("field IN ('name', 'description')", name="field"),
    sa.CheckConstraint("status IN ('draft', 'approved', 'rejected')", name="status"),
    sa.Index("ix_catalog_texts_merchant_lang_status", "merchant_id", "lang", "status"),
)

# Migration 0013: privacy (issue 17). ``audit_log``: one hash chain per merchant (souk.domain.audit), append
# only; ``audit_heads``: each chain's last (seq, hash), locked by every append so a chain never forks, and the
# anchor (last purged seq and hash) retention leaves. ``retention_policies``: a merchant's days to keep per
# data kind (souk.privacy.retention), where it differs from the [privacy] defaults.
audit_log = sa.Table(
    "audit_log", metadata,
    _merchant_fk(),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("at_us", sa.BigInteger, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("role", sa.String(200), nullable=False),
    sa.Column("action", sa.String(200), nullable=False),
    sa.Column("object_kind", sa.String(200), nullable=False),
    sa.Column("object_id", sa.String(200), nullable=False),
    sa.Column("detail", JSONDoc, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "seq"),
    sa.Index("ix_audit_log_merchant_at", "merchant_id", "at_us"),
    sa.Index("ix_audit_log_merchant_actor", "merchant_id", "actor", "at_us"),
    sa.Index("ix_audit_log_merchant_object", "merchant_id", "object_kind", "object_id"),
)

audit_heads = sa.Table(
    "audit_heads", metadata,
    _merchant_fk(),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("anchor_seq", sa.BigInteger, nullable=False),
    sa.Column("anchor_hash", sa.String(64), nullable=False),
    sa.PrimaryKeyConstraint("merchant_id"),
)

retention_policies = sa.Table(
    "retention_policies", metadata,
    _merchant_fk(),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("days", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "kind"),
    sa.CheckConstraint("days > 0", name="days"),
)

# Migration 0017: a merchant's own PII redaction choice per target (souk.privacy.redact; today ``transcripts``:
# desk voice transcripts and live captions redacted before they are stored), where it differs from [privacy].
redaction_policies = sa.Table(
    "redaction_policies", metadata,
    _merchant_fk(),
    sa.Column("target", sa.String(32), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "target"),
)

# Migration 0015: live captions (issue 16, souk.live.captions). One row per final caption of a show: the
# speaker's words in the source language, at offsets (ms) from the show's start (the replay's clock), and the
# translations made live for the languages viewers asked for ({"es": "..."}). Erased with the show's
# transcripts (retention kind ``transcripts``) and by customer erasure when the speaker is the customer.
captions = sa.Table(
    "captions", metadata,
    _merchant_fk(),
    sa.Column("show_id", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("room_id", sa.String(128), nullable=False),
    sa.Column("speaker", sa.String(128), nullable=False),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("start_ms", sa.BigInteger, nullable=False),
    sa.Column("end_ms", sa.BigInteger, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("translations", JSONDoc, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "show_id", "seq"),
    sa.CheckConstraint("end_ms >= start_ms", name="span"),
    sa.Index("ix_captions_merchant_room", "merchant_id", "room_id", "show_id"),
    sa.Index("ix_captions_merchant_speaker", "merchant_id", "speaker"),
    sa.Index("ix_captions_merchant_created", "merchant_id", "created_at"),
)

# Migration 0014: consent records (issue 17 part 2). ``consent_records``: one row per answer (granted or
# withdrawn) a shopper gave to a kind of processing, with time, wording version, language and channel; append
# only, the newest per (merchant, subject, kind) stands (souk.domain.consent, souk.privacy.consent).
consent_records = sa.Table(
    "consent_records", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    _merchant_fk(),
    sa.Column("subject", sa.String(128), nullable=False),
    sa.Column("customer_id", sa.String(128), nullable=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("granted", sa.Boolean, nullable=False),
    sa.Column("at_us", sa.BigInteger, nullable=False),
    sa.Column("text_version", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Index("ix_consent_records_subject", "merchant_id", "subject", "kind", "at_us"),
    sa.Index("ix_consent_records_customer", "merchant_id", "customer_id"),
    sa.Index("ix_consent_records_at", "merchant_id", "at_us"),
)

# Migration 0016: residency and encryption at rest (issue 17). ``merchant_keys``: a merchant's data keys
# (souk.privacy.keys) wrapped by the master key ``master_id``; one ``active`` key encrypts new data, ``retired``
# ones still decrypt, a ``destroyed`` one (crypto-shredding) holds no key material.
merchant_keys = sa.Table(
    "merchant_keys", metadata,
    _merchant_fk(),
    sa.Column("key_id", sa.String(32), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("master_id", sa.String(32), nullable=False),
    sa.Column("wrapped", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("retired_at", UTCDateTime, nullable=True),
    sa.PrimaryKeyConstraint("merchant_id", "key_id"),
    sa.CheckConstraint("state IN ('active', 'retired', 'destroyed')", name="state"),
    sa.Index("uq_merchant_keys_active", "merchant_id", unique=True,
             sqlite_where=sa.text("state = 'active'"), postgresql_where=sa.text("state = 'active'")),
)

TENANT_TABLES = (captions, api_keys, users, products, customers, orders, order_lines, shipping_zones, policies, faq,
                 rooms, participants, call_records, flash_sales, coupons, coupon_redemptions, live_carts,
                 live_pins, flash_sale_buys, desk_conversations, desk_events, desk_agents, desk_settings,
                 webhook_endpoints, webhook_deliveries, webhook_attempts, webhook_parked, order_actions, returns,
                 quality_records, group_buys, group_buy_joins, voice_rooms, translation_cache, catalog_texts,
                 audit_log, audit_heads, retention_policies, merchant_keys, consent_records,
                 redaction_policies)

"""SLA and availability computation: numbers only, rendered in app/render and adapters/slack."""

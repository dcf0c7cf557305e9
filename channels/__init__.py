"""Provider adapters (Twilio SMS and voice, SendGrid email, sandbox), webhooks, local emulators."""

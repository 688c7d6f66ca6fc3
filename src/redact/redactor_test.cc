#include "redact/redactor.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

std::unique_ptr<Redactor> All() {
  RedactionConfig c;
  c.configured = true;
  c.detectors = {"email", "payment_card", "api_key", "phone", "iban", "ip_address"};
  c.patterns = {{"order_secret", "os_[A-Za-z0-9]{24}"}};
  auto r = Redactor::Create(c);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

std::string Masked(const Redactor& r, std::string text, std::vector<std::string>* fired = nullptr) {
  std::vector<std::string> f;
  r.Mask(text, f);
  if (fired) *fired = f;
  return text;
}

TEST(RedactorTest, EachDetectorMasksItsPattern) {
  auto r = All();
  struct Case {
    const char* detector;
    const char* text;
    const char* masked;
  } cases[] = {
      {"email", "mail maria.k+refunds@example.co.uk now", "mail [REDACTED:email] now"},
      {"payment_card", "card 4111 1111 1111 1111 ok", "card [REDACTED:payment_card] ok"},
      {"payment_card", "card 5500-0000-0000-0004", "card [REDACTED:payment_card]"},
      {"api_key", "key sk-live-abcdefghijklmnop1234", "key [REDACTED:api_key]"},
      {"api_key", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
       "Authorization: [REDACTED:api_key]"},
      {"api_key", "aws AKIAIOSFODNN7EXAMPLE", "aws [REDACTED:api_key]"},
      {"phone", "call +49 30 1234 5678 today", "call [REDACTED:phone] today"},
      {"iban", "pay DE89 3704 0044 0532 0130 00 please", "pay [REDACTED:iban] please"},
      {"ip_address", "from 192.168.10.254:8080", "from [REDACTED:ip_address]:8080"},
      {"order_secret", "os_ABCDEFGHIJKLMNOPQRSTUVWX", "[REDACTED:order_secret]"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> fired;
    EXPECT_EQ(Masked(*r, c.text, &fired), c.masked) << c.detector;
    EXPECT_EQ(fired, std::vector<std::string>{c.detector}) << c.text;
  }
}

TEST(RedactorTest, NearMissesAreLeftAlone) {
  auto r = All();
  for (const char* text : {
           "order 4111 1111 1111 1112",    // 16 digits failing Luhn
           "trace 1234567890123",          // 13 digits failing Luhn
           "DE89 3704 0044 0532 0130 02",  // IBAN with a wrong check
           "version 1.2.3.4.5 and 999.1.1.1",
           "user@localhost",        // no domain suffix
           "sk-short",              // too short for a key
           "ticket 030 1234 5678",  // a number without the international prefix
           "[REDACTED:email]",
       }) {
    std::vector<std::string> fired;
    EXPECT_EQ(Masked(*r, text, &fired), text);
    EXPECT_TRUE(fired.empty()) << text << " fired " << (fired.empty() ? "" : fired[0]);
  }
  EXPECT_TRUE(Redactor::LuhnValid("4111111111111111"));
  EXPECT_FALSE(Redactor::LuhnValid("4111111111111112"));
  EXPECT_TRUE(Redactor::IbanValid("GB82 WEST 1234 5698 7654 32"));
}

TEST(RedactorTest, EventsAreMaskedMarkedAndCountAsSensitiveData) {
  auto r = All();
  std::vector<Event> events(3);
  events[0].layer = Layer::kTool;
  events[0].tool = "issue_refund";
  events[0].attrs = {{"customer", "maria@example.com"},
                     {"note", "refund to card 4111111111111111"}};
  events[0].request_id = "req 42 for bob@example.com";
  events[1].layer = Layer::kInference;
  events[1].status = EventStatus::kError;
  events[1].error_class = "tool_error/192.168.0.1";
  events[2].attrs = {{"note", "nothing to see"}};
  RedactionOutcome out = r->Apply(events);
  EXPECT_EQ(out.events, 2u);
  EXPECT_EQ(out.detections["email"], 1u);  // per event, not per match
  EXPECT_EQ(events[0].attrs[0].second, "[REDACTED:email]");
  EXPECT_EQ(events[0].attrs[1].second, "refund to card [REDACTED:payment_card]");
  EXPECT_EQ(events[0].request_id, "req 42 for [REDACTED:email]");
  EXPECT_EQ(events[0].status, EventStatus::kError);
  EXPECT_EQ(events[0].error_class, "sensitive_data/email");
  EXPECT_EQ(events[0].attrs.back(),
            (std::pair<std::string, std::string>{"vigil.redacted", "email,payment_card"}));
  // The detail that held the address is dropped; the original class is kept in attrs.
  EXPECT_EQ(events[1].error_class, "sensitive_data/ip_address");
  bool kept = false;
  for (const auto& [k, v] : events[1].attrs) kept |= k == "vigil.error_class" && v == "tool_error";
  EXPECT_TRUE(kept);
  EXPECT_EQ(events[2].status, EventStatus::kOk);
  EXPECT_EQ(events[2].attrs.size(), 1u);

  // Text that is not stored still counts.
  std::vector<Event> more(1);
  std::vector<std::vector<std::string>> extra = {{"api_key"}};
  EXPECT_EQ(r->Apply(more, &extra).events, 1u);
  EXPECT_EQ(more[0].error_class, "sensitive_data/api_key");
}

TEST(RedactorTest, EveryDetectorInEveryFieldItCovers) {
  auto r = All();
  const std::pair<const char*, const char*> samples[] = {
      {"email", "a.b@example.org"},
      {"payment_card", "4111111111111111"},
      {"api_key", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"},
      {"phone", "+44 20 7946 0958"},
      {"iban", "GB82WEST12345698765432"},
      {"ip_address", "10.1.2.3"},
      {"order_secret", "os_ABCDEFGHIJKLMNOPQRSTUVWX"}};
  using Field = std::string Event::*;
  const std::pair<const char*, Field> fields[] = {
      {"request_id", &Event::request_id}, {"idempotency_key", &Event::idempotency_key},
      {"use_case", &Event::use_case},     {"release", &Event::release},
      {"model", &Event::model},           {"tool", &Event::tool},
      {"metric", &Event::metric}};
  for (const auto& [detector, sample] : samples) {
    const std::string masked = std::string("x [REDACTED:") + detector + "] y";
    const std::string text = std::string("x ") + sample + " y";
    for (const auto& [name, field] : fields) {
      std::vector<Event> events(1);
      events[0].*field = text;
      r->Apply(events);
      EXPECT_EQ(events[0].*field, masked) << detector << " in " << name;
      EXPECT_EQ(events[0].error_class, std::string("sensitive_data/") + detector);
    }
    std::vector<Event> events(1);
    events[0].attrs = {{"k", text}};
    r->Apply(events);
    EXPECT_EQ(events[0].attrs[0].second, masked) << detector << " in attrs";
  }
}

TEST(RedactorTest, UnconfiguredDoesNothingAndBadPatternsAreNamed) {
  auto none = Redactor::Create(RedactionConfig{});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE((*none)->active());
  std::vector<Event> events(1);
  events[0].attrs = {{"a", "maria@example.com"}};
  EXPECT_EQ((*none)->Apply(events).events, 0u);
  EXPECT_EQ(events[0].attrs[0].second, "maria@example.com");
  RedactionConfig bad;
  bad.patterns = {{"broken", "a(b"}};
  auto r = Redactor::Create(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "redaction.patterns.broken");
}

}  // namespace
}  // namespace vigil

#include "common/time_util.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/text.h"

namespace vigil {
namespace {

TEST(DurationTest, ParsesUnitsAndCompounds) {
  EXPECT_EQ(*ParseDuration("250ms"), 250 * kNanosPerMilli);
  EXPECT_EQ(*ParseDuration("30s"), 30 * kNanosPerSecond);
  EXPECT_EQ(*ParseDuration("5m"), 300 * kNanosPerSecond);
  EXPECT_EQ(*ParseDuration("1h30m"), 5400 * kNanosPerSecond);
  EXPECT_EQ(*ParseDuration("14d"), 14 * 86400 * kNanosPerSecond);
}

TEST(DurationTest, RejectsMissingUnitsAndGarbage) {
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("30").ok());
  EXPECT_FALSE(ParseDuration("5 m").ok());
  EXPECT_FALSE(ParseDuration("-5m").ok());
  EXPECT_FALSE(ParseDuration("5x").ok());
  EXPECT_NE(ParseDuration("30").status().message().find("unit"), std::string::npos);
}

TEST(DurationTest, FormatsRoundTrip) {
  for (const char* text : {"250ms", "30s", "5m", "1h30m", "14d", "0s"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  }
}

TEST(Rfc3339Test, ParsesZuluOffsetsAndFractions) {
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339("2026-11-28T15:47:21Z"), 1795880841LL * kNanosPerSecond);
  EXPECT_EQ(*ParseRfc3339("2026-11-28T16:47:21+01:00"), 1795880841LL * kNanosPerSecond);
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:01.5Z"), 1500 * kNanosPerMilli);
}

TEST(Rfc3339Test, RejectsMalformed) {
  EXPECT_FALSE(ParseRfc3339("2026-11-28").ok());
  EXPECT_FALSE(ParseRfc3339("2026-13-28T00:00:00Z").ok());
  EXPECT_FALSE(ParseRfc3339("2026-11-28T00:00:00").ok());
  EXPECT_FALSE(ParseRfc3339("2026-11-28T00:00:00Zjunk").ok());
}

TEST(Rfc3339Test, FormatsUtcMillis) {
  EXPECT_EQ(FormatRfc3339(1500 * kNanosPerMilli), "1970-01-01T00:00:01.500Z");
  EXPECT_EQ(*ParseRfc3339(FormatRfc3339(1795880841123LL * kNanosPerMilli)),
            1795880841123LL * kNanosPerMilli);
}

TEST(FakeClockTest, MovesOnlyWhenAdvanced) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.NowNanos(), 1000);
  clock.Advance(kNanosPerSecond);
  EXPECT_EQ(clock.NowNanos(), 1000 + kNanosPerSecond);
  EXPECT_EQ(clock.NowMillis(), (1000 + kNanosPerSecond) / kNanosPerMilli);
}

TEST(TextTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

TEST(TextTest, IdentifiersAndControlChars) {
  EXPECT_TRUE(IsIdentifierText("4bf92f3577b34da6a3ce929d0e0e4736"));
  EXPECT_TRUE(IsIdentifierText("req-1.a:b_c"));
  EXPECT_FALSE(IsIdentifierText("has space"));
  EXPECT_FALSE(IsIdentifierText("slash/"));
  EXPECT_TRUE(HasNoControlChars("refund-bot"));
  EXPECT_FALSE(HasNoControlChars("a\tb"));
  std::string escaped;
  AppendJsonEscaped(escaped, "a\"b\\c\n\x01");
  EXPECT_EQ(escaped, "a\\\"b\\\\c\\n\\u0001");
}

}  // namespace
}  // namespace vigil

#include "common/time_range.h"

namespace vigil {
namespace {

constexpr int64_t kNow = 1'795'880'841'000'000'000;

TEST(TimeRangeTest, DefaultsToTheLastHour) {
  auto r = ParseTimeRange(nullptr, nullptr, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->to_ns, kNow);
  EXPECT_EQ(r->from_ns, kNow - 3600 * kNanosPerSecond);
}

TEST(TimeRangeTest, AcceptsRelativeUnixMillisAndRfc3339) {
  std::string from = "-15m", to = "now";
  auto r = ParseTimeRange(&from, &to, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->from_ns, kNow - 900 * kNanosPerSecond);
  from = "1795880000000";
  to = "2026-11-28T15:47:21Z";
  r = ParseTimeRange(&from, &to, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->from_ns, 1795880000000LL * kNanosPerMilli);
  EXPECT_EQ(r->to_ns, kNow);
}

TEST(TimeRangeTest, BadValuesNameTheParameter) {
  std::string bad = "yesterday", ok = "now", early = "-1h";
  EXPECT_EQ(ParseTimeRange(&bad, nullptr, kNow).status().field(), "from");
  EXPECT_EQ(ParseTimeRange(nullptr, &bad, kNow).status().field(), "to");
  std::string neg = "-5x";
  EXPECT_EQ(ParseTimeRange(&neg, nullptr, kNow).status().field(), "from");
  // from after to
  EXPECT_EQ(ParseTimeRange(&ok, &early, kNow).status().field(), "from");
}

}  // namespace
}  // namespace vigil

namespace vigil {
namespace {

TEST(FormatElapsed, ReadsLikeAPerson) {
  EXPECT_EQ(FormatElapsed(850'000'000), "850 ms");
  EXPECT_EQ(FormatElapsed(14'420'000'000), "14.4 s");
  EXPECT_EQ(FormatElapsed(150'000'000'000), "2.5 min");
}

}  // namespace
}  // namespace vigil

-- Claim due sends of one partition under a lease: each claimed member is re-scored to now + lease,
-- so a claim that is never finished comes due again (re-delivery after a crash).
-- KEYS: due zset. ARGV: now_ms, lease_ms, limit. Returns the claimed members.
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
local lease_end = string.format('%d', tonumber(ARGV[1]) + tonumber(ARGV[2]))
for _, member in ipairs(members) do
  redis.call('ZADD', KEYS[1], 'XX', lease_end, member)
end
return members

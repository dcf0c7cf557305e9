-- Add a debtor to, or remove one from, the debtors a destination (phone number, email address)
-- belongs to. One owner (the usual case) is stored as the debtor id itself; several (a household's
-- shared number) as NUL + a sorted JSON array. KEYS: the destination's bucket.
-- ARGV: destination, debtor_id, '1' to add | '0' to remove. Returns the number of owners now.
local current = redis.call('HGET', KEYS[1], ARGV[1])
local owners = {}
if current then
  if string.sub(current, 1, 1) == '\0' then
    owners = cjson.decode(string.sub(current, 2))
  else
    owners = {current}
  end
end
local kept = {}
for _, owner in ipairs(owners) do
  if owner ~= ARGV[2] then table.insert(kept, owner) end
end
if ARGV[3] == '1' then table.insert(kept, ARGV[2]) end
table.sort(kept)
if #kept == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
elseif #kept == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], kept[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], '\0' .. cjson.encode(kept))
end
return #kept

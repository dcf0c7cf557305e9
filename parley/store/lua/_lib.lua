-- Shared helpers, prepended to every script of parley/store/lua when it is loaded.
-- State is one string "<version>:<blob>" (compact: no hash that outgrows listpack on a big blob).

local function state_version(raw)
  if not raw then return 0 end
  local sep = string.find(raw, ':', 1, true)
  return tonumber(string.sub(raw, 1, sep - 1))
end

local function write_state(key, version, blob)
  redis.call('SET', key, string.format('%d', version) .. ':' .. blob)
end

-- A send is final: its record goes, and its fingerprint field ('#...') in the debtor's sends hash
-- holds its status letter and the day it finished. When the hash has grown, finished entries older
-- than keep_days are pruned (a listpack of a few dozen entries: cheap to walk).
local function close_send(key, sends_key, field, code, today, keep_days)
  redis.call('DEL', key)
  redis.call('HSET', sends_key, field, code .. today)
  if redis.call('HLEN', sends_key) > 32 then
    local entries = redis.call('HGETALL', sends_key)
    local oldest = tonumber(today) - tonumber(keep_days)
    for i = 1, #entries, 2 do
      local name, value = entries[i], entries[i + 1]
      if string.sub(name, 1, 1) == '#' and tonumber(string.sub(value, 2)) < oldest then
        redis.call('HDEL', sends_key, name)
      end
    end
  end
end

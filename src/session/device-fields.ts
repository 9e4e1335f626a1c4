/**
 * A session hash (`session:<user>`) has one field per node holding devices of the user:
 * `dev:<node>` = `<connections>@<fence>`. The session script writes them, the message-log scripts
 * list their nodes, and nodes read them back; this module is the one place that spells them, in
 * TypeScript and in the Lua the scripts are written in.
 */
export const DEVICE_FIELD_PREFIX = 'dev:';

/** The field of `node`'s devices. */
export function deviceField(node: string): string {
  return DEVICE_FIELD_PREFIX + node;
}

/** The node a field names, or null when the field is not a device field. */
export function deviceFieldNode(field: string): string | null {
  return field.startsWith(DEVICE_FIELD_PREFIX) ? field.slice(DEVICE_FIELD_PREFIX.length) : null;
}

/** Lua: whether the string in variable `name` is a device field. */
export function luaIsDeviceField(name: string): string {
  return `string.sub(${name}, 1, ${DEVICE_FIELD_PREFIX.length}) == '${DEVICE_FIELD_PREFIX}'`;
}

/** Lua: the node named by the device field in variable `name`. */
export function luaDeviceFieldNode(name: string): string {
  return `string.sub(${name}, ${DEVICE_FIELD_PREFIX.length + 1})`;
}

/** Lua: the device field of the node in variable `name`. */
export function luaDeviceField(name: string): string {
  return `'${DEVICE_FIELD_PREFIX}' .. ${name}`;
}

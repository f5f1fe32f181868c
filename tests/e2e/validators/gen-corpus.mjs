#!/usr/bin/env node
// Writes corpus.json (to stdout): the operations rocketlite serves, the Rocket.Chat 8.8.1
// validator of each (@rocket.chat/rest-typings export, or null), and the cases sent to both.
//
//   node gen-corpus.mjs > corpus.json        (npm run -s corpus)
//
// A case is {op, id, <input>, auth?, note?}; its id is unique within its op and stays stable
// (docs/compatibility.md's "Validator differences" table names cases by it). The input is one of
//   body: any JSON value, sent as application/json
//   rawBody: a string, sent as it is with Content-Type application/json ("" = no body)
//   form: {key: string}, sent as application/x-www-form-urlencoded
//   query: an object, sent as qs.stringify(query, {arrayFormat: 'brackets'}) (k[]=v)
//   queryString: a string, sent as it is
// auth: "none" sends no X-User-Id/X-Auth-Token; "fresh" logs the login fixture user in first
// and uses that new token (so logout cases revoke nothing the run needs). Default: the op's
// auth, else the admin's.
//
// Placeholders, replaced by validators.mjs with the fixtures it creates first: inside any
// string $UNIQUE (new per case), $RUN, $ADMIN_ID, $ADMIN_USERNAME, $USER_ID, $USERNAME,
// $USER_EMAIL (a member of both rooms), $TARGET_ID (the user setActiveStatus changes and the
// ban cases name; a member of no room; its username is vt-$RUN),
// $OUTSIDER_ID, $OUTSIDER_USERNAME (invited by the invite cases), $LOGIN_ID,
// $LOGIN_USERNAME, $LOGIN_EMAIL, $LOGIN_PASSWORD, $LOGIN_DIGEST, $LOGIN_TOKEN (the login
// cases' user), $ROOM_ID, $ROOM_NAME (a channel), $GROUP_ID, $GROUP_NAME (a private group),
// $PERM_ID (a permission); a string that is exactly "$PERM_ROLES" becomes that permission's
// current roles (an array), so permissions.update cases change nothing.
//
// An operation is named by its path after /api/v1/; the POST of a path whose GET is also
// served is "POST <path>" (POST settings, POST settings/:_id). The name of settings/:_id keeps
// its parameter, its path the value the cases use: Accounts_AllowDeleteOwnAccount, the only
// setting any case writes, always with its default (false).

const OPS = {
	'login': { method: 'POST', path: '/api/v1/login', validator: 'isLoginProps', auth: 'none', note: "Rocket.Chat 8.8.1's route does not call it" },
	'users.create': { method: 'POST', path: '/api/v1/users.create', validator: 'isUserCreateParamsPOST' },
	'users.setActiveStatus': { method: 'POST', path: '/api/v1/users.setActiveStatus', validator: 'isUserSetActiveStatusParamsPOST' },
	'users.logout': { method: 'POST', path: '/api/v1/users.logout', validator: 'isUserLogoutParamsPOST', auth: 'fresh' },
	'users.listByStatus': { method: 'GET', path: '/api/v1/users.listByStatus', validator: 'isUsersListStatusProps' },
	'users.update': { method: 'POST', path: '/api/v1/users.update', validator: 'isUsersUpdateParamsPOST' },
	'users.delete': { method: 'POST', path: '/api/v1/users.delete', validator: null },
	'users.deactivateIdle': { method: 'POST', path: '/api/v1/users.deactivateIdle', validator: 'isUserDeactivateIdleParamsPOST' },
	'users.register': { method: 'POST', path: '/api/v1/users.register', validator: 'isUserRegisterParamsPOST', auth: 'none' },
	'users.info': { method: 'GET', path: '/api/v1/users.info', validator: 'isUsersInfoParamsGetProps' },
	'users.list': { method: 'GET', path: '/api/v1/users.list', validator: 'isUsersListParamsGET' },
	'rooms.info': { method: 'GET', path: '/api/v1/rooms.info', validator: 'isRoomsInfoProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'subscriptions.getOne': { method: 'GET', path: '/api/v1/subscriptions.getOne', validator: 'isSubscriptionsGetOneProps' },
	'channels.create': { method: 'POST', path: '/api/v1/channels.create', validator: 'isChannelsCreateProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.create': { method: 'POST', path: '/api/v1/groups.create', validator: 'isGroupsCreateProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'channels.invite': { method: 'POST', path: '/api/v1/channels.invite', validator: 'isChannelsInviteProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.invite': { method: 'POST', path: '/api/v1/groups.invite', validator: 'isGroupsInviteProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.addOwner': { method: 'POST', path: '/api/v1/groups.addOwner', validator: 'isGroupsAddOwnerProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.removeOwner': { method: 'POST', path: '/api/v1/groups.removeOwner', validator: 'isGroupsRemoveOwnerProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'channels.roles': { method: 'GET', path: '/api/v1/channels.roles', validator: 'isChannelsRolesProps' },
	'groups.members': { method: 'GET', path: '/api/v1/groups.members', validator: 'isGroupsMembersProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.roles': { method: 'GET', path: '/api/v1/groups.roles', validator: 'isGroupsRolesProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'licenses.info': { method: 'GET', path: '/api/v1/licenses.info', validator: 'isLicensesInfoProps' },
	'channels.addOwner': { method: 'POST', path: '/api/v1/channels.addOwner', validator: null },
	'channels.removeOwner': { method: 'POST', path: '/api/v1/channels.removeOwner', validator: null },
	'channels.members': { method: 'GET', path: '/api/v1/channels.members', validator: null },
	'permissions.update': { method: 'POST', path: '/api/v1/permissions.update', validator: null },
	'permissions.listAll': { method: 'GET', path: '/api/v1/permissions.listAll', validator: null },
	'logout': { method: 'POST', path: '/api/v1/logout', validator: null },
	'me': { method: 'GET', path: '/api/v1/me', validator: null },
	'users.createToken': { method: 'POST', path: '/api/v1/users.createToken', validator: null, note: 'schema inline in the 8.8.1 route' },
	'users.setStatus': { method: 'POST', path: '/api/v1/users.setStatus', validator: null, note: 'schema inline in the 8.8.1 route' },
	'users.getPresence': { method: 'GET', path: '/api/v1/users.getPresence', validator: 'isUsersGetPresenceParamsGET' },
	'roles.list': { method: 'GET', path: '/api/v1/roles.list', validator: null },
	'roles.sync': { method: 'GET', path: '/api/v1/roles.sync', validator: null, note: 'schema inline in the 8.8.1 route' },
	'roles.create': { method: 'POST', path: '/api/v1/roles.create', validator: null, note: 'Enterprise only: 404 in the Community Edition' },
	'roles.update': { method: 'POST', path: '/api/v1/roles.update', validator: null, note: 'schema in the Enterprise route' },
	'roles.delete': { method: 'POST', path: '/api/v1/roles.delete', validator: 'isRoleDeleteProps' },
	'roles.addUserToRole': { method: 'POST', path: '/api/v1/roles.addUserToRole', validator: 'isRoleAddUserToRoleProps' },
	'roles.removeUserFromRole': { method: 'POST', path: '/api/v1/roles.removeUserFromRole', validator: 'isRoleRemoveUserFromRoleProps' },
	'roles.getUsersInRole': { method: 'GET', path: '/api/v1/roles.getUsersInRole', validator: 'isRolesGetUsersInRoleProps' },
	'roles.getUsersInPublicRoles': { method: 'GET', path: '/api/v1/roles.getUsersInPublicRoles', validator: null },
	'channels.kick': { method: 'POST', path: '/api/v1/channels.kick', validator: 'isChannelsKickProps' },
	'channels.leave': { method: 'POST', path: '/api/v1/channels.leave', validator: 'isChannelsLeaveProps' },
	'channels.join': { method: 'POST', path: '/api/v1/channels.join', validator: 'isChannelsJoinProps' },
	'channels.addAll': { method: 'POST', path: '/api/v1/channels.addAll', validator: 'isChannelsAddAllProps' },
	'channels.archive': { method: 'POST', path: '/api/v1/channels.archive', validator: 'isChannelsArchiveProps' },
	'channels.unarchive': { method: 'POST', path: '/api/v1/channels.unarchive', validator: 'isChannelsUnarchiveProps' },
	'channels.open': { method: 'POST', path: '/api/v1/channels.open', validator: 'isChannelsOpenProps' },
	'channels.setReadOnly': { method: 'POST', path: '/api/v1/channels.setReadOnly', validator: 'isChannelsSetReadOnlyProps' },
	'channels.setAnnouncement': { method: 'POST', path: '/api/v1/channels.setAnnouncement', validator: 'isChannelsSetAnnouncementProps' },
	'channels.delete': { method: 'POST', path: '/api/v1/channels.delete', validator: 'isChannelsDeleteProps' },
	'channels.list': { method: 'GET', path: '/api/v1/channels.list', validator: 'isChannelsListProps' },
	'channels.moderators': { method: 'GET', path: '/api/v1/channels.moderators', validator: 'isChannelsModeratorsProps' },
	'groups.info': { method: 'GET', path: '/api/v1/groups.info', validator: 'isGroupsInfoProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'rooms.adminRooms': { method: 'GET', path: '/api/v1/rooms.adminRooms', validator: 'isRoomsAdminRoomsProps' },
	'subscriptions.get': { method: 'GET', path: '/api/v1/subscriptions.get', validator: 'isSubscriptionsGetProps' },
	'directory': { method: 'GET', path: '/api/v1/directory', validator: 'isDirectoryProps' },
	'rooms.leave': { method: 'POST', path: '/api/v1/rooms.leave', validator: null, note: 'schema inline in the 8.8.1 route' },
	'rooms.favorite': { method: 'POST', path: '/api/v1/rooms.favorite', validator: null, note: 'schema inline in the 8.8.1 route' },
	// The operations added since: rooms.*, then channels/groups, users.*, settings.
	'rooms.hide': { method: 'POST', path: '/api/v1/rooms.hide', validator: 'isRoomsHideProps' },
	'rooms.open': { method: 'POST', path: '/api/v1/rooms.open', validator: 'isRoomsOpenProps' },
	'rooms.roles': { method: 'GET', path: '/api/v1/rooms.roles', validator: null, note: 'schema inline in the 8.8.1 route' },
	'rooms.membersOrderedByRole': { method: 'GET', path: '/api/v1/rooms.membersOrderedByRole', validator: 'isRoomsMembersOrderedByRoleProps' },
	'rooms.adminRooms.getRoom': { method: 'GET', path: '/api/v1/rooms.adminRooms.getRoom', validator: 'isRoomsAdminRoomsGetRoomProps' },
	'rooms.adminRooms.privateRooms': { method: 'GET', path: '/api/v1/rooms.adminRooms.privateRooms', validator: null, note: 'schema inline in the 8.8.1 route' },
	'rooms.muteUser': { method: 'POST', path: '/api/v1/rooms.muteUser', validator: 'isRoomsMuteUnmuteUserProps' },
	'rooms.unmuteUser': { method: 'POST', path: '/api/v1/rooms.unmuteUser', validator: 'isRoomsMuteUnmuteUserProps' },
	'rooms.banUser': { method: 'POST', path: '/api/v1/rooms.banUser', validator: 'isRoomsBanUserProps' },
	'rooms.unbanUser': { method: 'POST', path: '/api/v1/rooms.unbanUser', validator: 'isRoomsUnbanUserProps' },
	'rooms.bannedUsers': { method: 'GET', path: '/api/v1/rooms.bannedUsers', validator: 'isRoomsBannedUsersProps' },
	'rooms.saveNotification': { method: 'POST', path: '/api/v1/rooms.saveNotification', validator: null, note: 'schema inline in the 8.8.1 route' },
	'rooms.saveRoomSettings': { method: 'POST', path: '/api/v1/rooms.saveRoomSettings', validator: 'isRoomsSaveRoomSettingsProps' },
	'rooms.isMember': { method: 'GET', path: '/api/v1/rooms.isMember', validator: 'isRoomsIsMemberProps' },
	'rooms.nameExists': { method: 'GET', path: '/api/v1/rooms.nameExists', validator: 'isGETRoomsNameExists' },
	'rooms.autocomplete.channelAndPrivate': { method: 'GET', path: '/api/v1/rooms.autocomplete.channelAndPrivate', validator: 'isRoomsAutoCompleteChannelAndPrivateProps' },
	'rooms.autocomplete.channelAndPrivate.withPagination': { method: 'GET', path: '/api/v1/rooms.autocomplete.channelAndPrivate.withPagination', validator: 'isRoomsAutocompleteChannelAndPrivateWithPaginationProps' },
	'rooms.autocomplete.adminRooms': { method: 'GET', path: '/api/v1/rooms.autocomplete.adminRooms', validator: 'isRoomsAutocompleteAdminRoomsPayload' },
	'rooms.autocomplete.availableForTeams': { method: 'GET', path: '/api/v1/rooms.autocomplete.availableForTeams', validator: 'isRoomsAutocompleteAvailableForTeamsProps' },
	'rooms.changeArchivationState': { method: 'POST', path: '/api/v1/rooms.changeArchivationState', validator: 'isRoomsChangeArchivationStateProps' },
	'rooms.join': { method: 'POST', path: '/api/v1/rooms.join', validator: 'isRoomsJoinProps' },
	'rooms.delete': { method: 'POST', path: '/api/v1/rooms.delete', validator: null, note: 'schema inline in the 8.8.1 route' },
	'rooms.get': { method: 'GET', path: '/api/v1/rooms.get', validator: null },
	'channels.counters': { method: 'GET', path: '/api/v1/channels.counters', validator: null },
	'groups.counters': { method: 'GET', path: '/api/v1/groups.counters', validator: 'isGroupsCountersProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'channels.online': { method: 'GET', path: '/api/v1/channels.online', validator: 'isChannelsOnlineProps' },
	'groups.online': { method: 'GET', path: '/api/v1/groups.online', validator: 'isGroupsOnlineProps' },
	'channels.info': { method: 'GET', path: '/api/v1/channels.info', validator: null },
	'channels.list.joined': { method: 'GET', path: '/api/v1/channels.list.joined', validator: null },
	'channels.addModerator': { method: 'POST', path: '/api/v1/channels.addModerator', validator: null },
	'channels.removeModerator': { method: 'POST', path: '/api/v1/channels.removeModerator', validator: null },
	'channels.addLeader': { method: 'POST', path: '/api/v1/channels.addLeader', validator: null },
	'channels.removeLeader': { method: 'POST', path: '/api/v1/channels.removeLeader', validator: null },
	'channels.close': { method: 'POST', path: '/api/v1/channels.close', validator: null },
	'channels.rename': { method: 'POST', path: '/api/v1/channels.rename', validator: null },
	'channels.setCustomFields': { method: 'POST', path: '/api/v1/channels.setCustomFields', validator: null },
	'channels.setDefault': { method: 'POST', path: '/api/v1/channels.setDefault', validator: null },
	'channels.setDescription': { method: 'POST', path: '/api/v1/channels.setDescription', validator: null },
	'channels.setJoinCode': { method: 'POST', path: '/api/v1/channels.setJoinCode', validator: null },
	'channels.setPurpose': { method: 'POST', path: '/api/v1/channels.setPurpose', validator: null, note: 'isChannelsSetPurposeProps is not exported' },
	'channels.setTopic': { method: 'POST', path: '/api/v1/channels.setTopic', validator: null },
	'channels.setType': { method: 'POST', path: '/api/v1/channels.setType', validator: null },
	'groups.list': { method: 'GET', path: '/api/v1/groups.list', validator: null, note: 'isGroupsListProps is an empty schema the route does not call' },
	'groups.listAll': { method: 'GET', path: '/api/v1/groups.listAll', validator: null },
	'groups.moderators': { method: 'GET', path: '/api/v1/groups.moderators', validator: 'isGroupsModeratorsProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.addModerator': { method: 'POST', path: '/api/v1/groups.addModerator', validator: 'isGroupsAddModeratorProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.removeModerator': { method: 'POST', path: '/api/v1/groups.removeModerator', validator: 'isGroupsRemoveModeratorProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.addLeader': { method: 'POST', path: '/api/v1/groups.addLeader', validator: 'isGroupsAddLeaderProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.removeLeader': { method: 'POST', path: '/api/v1/groups.removeLeader', validator: 'isGroupsRemoveLeaderProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.kick': { method: 'POST', path: '/api/v1/groups.kick', validator: 'isGroupsKickProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.leave': { method: 'POST', path: '/api/v1/groups.leave', validator: 'isGroupsLeaveProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.addAll': { method: 'POST', path: '/api/v1/groups.addAll', validator: 'isGroupsAddAllProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.archive': { method: 'POST', path: '/api/v1/groups.archive', validator: 'isGroupsArchiveProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.unarchive': { method: 'POST', path: '/api/v1/groups.unarchive', validator: 'isGroupsUnarchiveProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.open': { method: 'POST', path: '/api/v1/groups.open', validator: 'isGroupsOpenProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.close': { method: 'POST', path: '/api/v1/groups.close', validator: 'isGroupsCloseProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.delete': { method: 'POST', path: '/api/v1/groups.delete', validator: 'isGroupsDeleteProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.rename': { method: 'POST', path: '/api/v1/groups.rename', validator: 'isGroupsRenameProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.setAnnouncement': { method: 'POST', path: '/api/v1/groups.setAnnouncement', validator: 'isGroupsSetAnnouncementProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.setCustomFields': { method: 'POST', path: '/api/v1/groups.setCustomFields', validator: 'isGroupsSetCustomFieldsProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.setDescription': { method: 'POST', path: '/api/v1/groups.setDescription', validator: 'isGroupsSetDescriptionProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.setPurpose': { method: 'POST', path: '/api/v1/groups.setPurpose', validator: 'isGroupsSetPurposeProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.setReadOnly': { method: 'POST', path: '/api/v1/groups.setReadOnly', validator: 'isGroupsSetReadOnlyProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.setTopic': { method: 'POST', path: '/api/v1/groups.setTopic', validator: 'isGroupsSetTopicProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'groups.setType': { method: 'POST', path: '/api/v1/groups.setType', validator: 'isGroupsSetTypeProps', note: "Rocket.Chat 8.8.1's route does not call it" },
	'users.getUsernameSuggestion': { method: 'GET', path: '/api/v1/users.getUsernameSuggestion', validator: null },
	'users.deleteOwnAccount': { method: 'POST', path: '/api/v1/users.deleteOwnAccount', validator: null, auth: 'fresh', note: 'schema inline in the 8.8.1 route' },
	'users.generatePersonalAccessToken': { method: 'POST', path: '/api/v1/users.generatePersonalAccessToken', validator: null, auth: 'fresh', note: 'schema inline in the 8.8.1 route' },
	'users.regeneratePersonalAccessToken': { method: 'POST', path: '/api/v1/users.regeneratePersonalAccessToken', validator: null, auth: 'fresh', note: 'schema inline in the 8.8.1 route' },
	'users.getPersonalAccessTokens': { method: 'GET', path: '/api/v1/users.getPersonalAccessTokens', validator: null, auth: 'fresh' },
	'users.removePersonalAccessToken': { method: 'POST', path: '/api/v1/users.removePersonalAccessToken', validator: null, auth: 'fresh', note: 'schema inline in the 8.8.1 route' },
	'users.setPreferences': { method: 'POST', path: '/api/v1/users.setPreferences', validator: 'isUsersSetPreferencesParamsPOST' },
	'users.getPreferences': { method: 'GET', path: '/api/v1/users.getPreferences', validator: null },
	'users.updateOwnBasicInfo': { method: 'POST', path: '/api/v1/users.updateOwnBasicInfo', validator: 'isUsersUpdateOwnBasicInfoParamsPOST', auth: 'fresh' },
	'users.autocomplete': { method: 'GET', path: '/api/v1/users.autocomplete', validator: 'isUsersAutocompleteProps' },
	'users.presence': { method: 'GET', path: '/api/v1/users.presence', validator: 'isUsersPresenceParamsGET' },
	'users.getStatus': { method: 'GET', path: '/api/v1/users.getStatus', validator: 'isUsersGetStatusParamsGET' },
	'users.checkUsernameAvailability': { method: 'GET', path: '/api/v1/users.checkUsernameAvailability', validator: 'isUsersCheckUsernameAvailabilityParamsGET' },
	'users.logoutOtherClients': { method: 'POST', path: '/api/v1/users.logoutOtherClients', validator: null, auth: 'fresh' },
	'users.removeOtherTokens': { method: 'POST', path: '/api/v1/users.removeOtherTokens', validator: null, auth: 'fresh' },
	'settings': { method: 'GET', path: '/api/v1/settings', validator: 'isSettingsGetParams' },
	'POST settings': { method: 'POST', path: '/api/v1/settings', validator: 'isSettingsBulkProps' },
	'settings/:_id': { method: 'GET', path: '/api/v1/settings/Accounts_AllowDeleteOwnAccount', validator: null },
	'POST settings/:_id': { method: 'POST', path: '/api/v1/settings/Accounts_AllowDeleteOwnAccount', validator: null, note: 'schema inline in the 8.8.1 route' },
	'settings.public': { method: 'GET', path: '/api/v1/settings.public', validator: 'isSettingsPublicWithPaginationProps', auth: 'none' },
	'settings.oauth': { method: 'GET', path: '/api/v1/settings.oauth', validator: null, auth: 'none' },
};

const cases = [];
let currentOp = null;
const op = (name, build) => {
	if (!OPS[name]) throw new Error(`unknown op ${name}`);
	currentOp = name;
	build();
};
const add = (id, input, extra = {}) => {
	if (cases.some((c) => c.op === currentOp && c.id === id)) throw new Error(`duplicate id ${currentOp}/${id}`);
	cases.push({ op: currentOp, id, ...input, ...extra });
};
const body = (id, value, extra) => add(id, { body: value }, extra);
const query = (id, value, extra) => add(id, { query: value }, extra);
const qstr = (id, value, extra) => add(id, { queryString: value }, extra);
const form = (id, value, extra) => add(id, { form: value }, extra);
const without = (obj, key) => Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key));

// The usual wrong values for a string field of a JSON body.
function stringField(base, field) {
	body(`${field}-number`, { ...base, [field]: 42 });
	body(`${field}-object`, { ...base, [field]: {} });
	body(`${field}-array`, { ...base, [field]: ['x'] });
	body(`${field}-bool`, { ...base, [field]: true });
	body(`${field}-null`, { ...base, [field]: null });
	body(`${field}-empty`, { ...base, [field]: '' });
}

// The usual spellings of a boolean field of a JSON body.
function booleanField(base, field) {
	body(`${field}-str-true`, { ...base, [field]: 'true' });
	body(`${field}-str-false`, { ...base, [field]: 'false' });
	body(`${field}-str-1`, { ...base, [field]: '1' });
	body(`${field}-str-yes`, { ...base, [field]: 'yes' });
	body(`${field}-empty`, { ...base, [field]: '' });
	body(`${field}-null`, { ...base, [field]: null });
	body(`${field}-num-1`, { ...base, [field]: 1 });
	body(`${field}-num-0`, { ...base, [field]: 0 });
}

// ---------------------------------------------------------------------------- login
op('login', () => {
	const cred = { username: '$LOGIN_USERNAME', password: '$LOGIN_PASSWORD' };
	body('user-string', { user: '$LOGIN_USERNAME', password: '$LOGIN_PASSWORD' });
	body('user-email-string', { user: '$LOGIN_EMAIL', password: '$LOGIN_PASSWORD' });
	body('valid-username', cred);
	body('valid-email', { email: '$LOGIN_EMAIL', password: '$LOGIN_PASSWORD' });
	body('valid-user-object', { user: { username: '$LOGIN_USERNAME' }, password: '$LOGIN_PASSWORD' });
	body('valid-digest', { user: { username: '$LOGIN_USERNAME' }, password: { digest: '$LOGIN_DIGEST', algorithm: 'sha-256' } });
	body('valid-code', { ...cred, code: '123456' });
	body('resume', { resume: '$LOGIN_TOKEN' });
	body('both-username-email', { username: '$LOGIN_USERNAME', email: '$LOGIN_EMAIL', password: '$LOGIN_PASSWORD' });
	body('both-user-username', { user: { username: '$LOGIN_USERNAME' }, username: '$LOGIN_USERNAME', password: '$LOGIN_PASSWORD' });
	body('wrong-password', { ...cred, password: 'not-the-password' });
	body('missing-password', { username: '$LOGIN_USERNAME' });
	body('missing-user', { password: '$LOGIN_PASSWORD' });
	body('empty-body', {});
	add('no-body', { rawBody: '' });
	body('body-array', []);
	body('extra-key', { ...cred, extra: 1 });
	stringField(cred, 'username');
	body('password-number', { ...cred, password: 42 });
	body('password-bool', { ...cred, password: true });
	body('password-null', { ...cred, password: null });
	body('password-array', { ...cred, password: ['x'] });
	body('password-empty', { ...cred, password: '' });
	body('user-number', { user: 42, password: '$LOGIN_PASSWORD' });
	body('user-null', { user: null, password: '$LOGIN_PASSWORD' });
	body('user-array', { user: ['$LOGIN_USERNAME'], password: '$LOGIN_PASSWORD' });
	body('code-number', { ...cred, code: 123456 });
	form('form-user', { user: '$LOGIN_USERNAME', password: '$LOGIN_PASSWORD' });
	form('form-username', cred);
});

// ---------------------------------------------------------------------------- users.create
op('users.create', () => {
	const base = { username: 'u-$UNIQUE', email: '$UNIQUE@example.org', name: 'User $UNIQUE', password: 'pw-$UNIQUE' };
	body('valid', base);
	body('valid-all-optional', {
		...base, active: true, roles: ['user'], verified: false, joinDefaultChannels: false,
		requirePasswordChange: false, sendWelcomeEmail: false, setRandomPassword: false,
		nickname: 'nick', bio: 'bio', statusText: 'hi', customFields: {},
	});
	body('valid-fields', { ...base, fields: '{"name":1}' });
	body('valid-freeSwitchExtension', { ...base, freeSwitchExtension: '1234' });
	for (const f of ['email', 'name', 'password', 'username']) body(`missing-${f}`, without(base, f));
	body('empty-body', {});
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	stringField(base, 'name');
	body('username-number', { ...base, username: 4242 });
	body('username-bool', { ...base, username: true });
	body('username-empty', { ...base, username: '' });
	body('email-empty', { ...base, email: '' });
	body('password-null', { ...base, password: null });
	body('password-empty', { ...base, password: '' });
	booleanField(base, 'active');
	body('verified-str-true', { ...base, verified: 'true' });
	body('roles-string', { ...base, roles: 'user' });
	body('roles-number-items', { ...base, roles: [1] });
	body('roles-null', { ...base, roles: null });
	body('customFields-string', { ...base, customFields: 'x' });
	body('customFields-null', { ...base, customFields: null });
	body('nickname-null', { ...base, nickname: null });
	body('bio-number', { ...base, bio: 7 });
	form('form-valid', { ...base, active: 'true' });
	form('form-active-1', { ...base, active: '1' });
});

// ---------------------------------------------------------------------------- users.setActiveStatus
op('users.setActiveStatus', () => {
	// Only $TARGET_ID is ever changed: it belongs to no room, so nothing else moves.
	const base = { userId: '$TARGET_ID', activeStatus: false };
	body('valid-deactivate', base);
	body('valid-activate', { ...base, activeStatus: true });
	body('valid-confirmRelinquish', { ...base, confirmRelinquish: true });
	body('unknown-user', { ...base, userId: 'no-such-user' });
	body('missing-userId', without(base, 'userId'));
	body('missing-activeStatus', without(base, 'activeStatus'));
	body('empty-body', {});
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	body('both-userId-username', { ...base, username: '$USERNAME' });
	stringField(base, 'userId');
	booleanField(base, 'activeStatus');
	body('activeStatus-object', { ...base, activeStatus: {} });
	body('activeStatus-array', { ...base, activeStatus: [true] });
	body('confirmRelinquish-str-true', { ...base, confirmRelinquish: 'true' });
	body('confirmRelinquish-str-yes', { ...base, confirmRelinquish: 'yes' });
	body('confirmRelinquish-null', { ...base, confirmRelinquish: null });
	form('form-valid', { userId: '$TARGET_ID', activeStatus: 'true' });
	form('form-str-1', { userId: '$TARGET_ID', activeStatus: '1' });
	body('final-activate', { userId: '$TARGET_ID', activeStatus: true }, { note: 'leaves the target active' });
});

// ---------------------------------------------------------------------------- users.logout
op('users.logout', () => {
	// Each case logs the login fixture user in afresh (auth: fresh) and may end only its
	// sessions, or an unknown user's.
	body('valid-self', {});
	body('valid-null', { userId: null });
	body('valid-other-unknown', { userId: 'no-such-user' });
	body('valid-self-id', { userId: '$LOGIN_ID' });
	body('extra-key', { extra: 1 });
	body('userId-number', { userId: 42 });
	body('userId-bool', { userId: true });
	body('userId-object', { userId: {} });
	body('userId-array', { userId: ['$LOGIN_ID'] });
	body('body-array', []);
	form('form-self', { userId: '$LOGIN_ID' });
});

// ---------------------------------------------------------------------------- users.listByStatus
op('users.listByStatus', () => {
	query('valid-empty', {});
	query('valid-active', { status: 'active' });
	query('valid-deactivated', { status: 'deactivated', hasLoggedIn: 'false' });
	query('valid-roles', { roles: ['admin', 'user'] });
	query('valid-role-scalar', { roles: 'user' });
	query('valid-search', { searchTerm: 'vm', type: 'user' });
	query('valid-reasons', { inactiveReason: ['deactivated', 'idle_too_long'] });
	query('valid-paged', { count: '2', offset: '1', sort: '{"username":-1}' });
	query('status-unknown', { status: 'gone' });
	query('status-array', { status: ['active', 'deactivated'] });
	query('hasLoggedIn-word', { hasLoggedIn: 'maybe' });
	query('hasLoggedIn-1', { hasLoggedIn: '1' });
	query('reason-unknown', { inactiveReason: ['bored'] });
	query('reason-scalar', { inactiveReason: 'deactivated' });
	query('count-word', { count: 'abc' });
	query('count-float', { count: '1.5' });
	query('extra-key', { extra: '1' });
	query('roles-object', { roles: { a: 'b' } });
	qstr('status-repeated', 'status=active&status=deactivated');
	qstr('searchTerm-repeated', 'searchTerm=a&searchTerm=b');
});

// ---------------------------------------------------------------------------- users.update
op('users.update', () => {
	// Only harmless changes of $OUTSIDER_ID (its display name and verified flag).
	const base = { userId: '$OUTSIDER_ID', data: { name: 'Renamed $RUN' } };
	body('valid-name', base);
	body('valid-verified', { userId: '$OUTSIDER_ID', data: { verified: true } });
	body('valid-verified-str', { userId: '$OUTSIDER_ID', data: { verified: 'false' } });
	body('valid-confirm', { ...base, confirmRelinquish: false });
	body('valid-empty-data', { userId: '$OUTSIDER_ID', data: {} });
	body('valid-ignored-fields', { userId: '$OUTSIDER_ID', data: { bio: 'b', nickname: 'n', statusText: 's' } });
	body('unknown-user', { userId: 'no-such-user', data: { name: 'x' } });
	body('missing-userId', { data: { name: 'x' } });
	body('missing-data', { userId: '$OUTSIDER_ID' });
	body('empty-body', {});
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	body('data-extra-key', { userId: '$OUTSIDER_ID', data: { name: 'x', settings: {} } });
	body('data-string', { userId: '$OUTSIDER_ID', data: 'x' });
	body('data-null', { userId: '$OUTSIDER_ID', data: null });
	body('userId-number', { ...base, userId: 42 });
	body('userId-null', { ...base, userId: null });
	body('name-number', { userId: '$OUTSIDER_ID', data: { name: 5 } });
	body('name-null', { userId: '$OUTSIDER_ID', data: { name: null } });
	body('roles-string', { userId: '$OUTSIDER_ID', data: { roles: 'user' } });
	body('verified-yes', { userId: '$OUTSIDER_ID', data: { verified: 'yes' } });
	body('confirm-yes', { ...base, confirmRelinquish: 'yes' });
	form('form-flat', { userId: '$OUTSIDER_ID', 'data[name]': 'x' });
});

// ---------------------------------------------------------------------------- users.delete
op('users.delete', () => {
	// Nobody the run needs is ever named: every valid case names a user that does not exist.
	const base = { userId: 'no-such-user' };
	body('valid-userId', base);
	body('valid-username', { username: 'no-such-user' });
	body('valid-confirm', { ...base, confirmRelinquish: true });
	body('valid-confirm-str', { ...base, confirmRelinquish: 'false' });
	body('user-alone', { user: 'no-such-user' });
	body('missing-user', {});
	body('confirm-only', { confirmRelinquish: true });
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	body('userId-number', { userId: 42 });
	body('userId-bool', { userId: true });
	body('userId-object', { userId: {} });
	body('userId-array', { userId: ['no-such-user'] });
	body('username-number', { username: 7 });
	body('confirm-yes', { ...base, confirmRelinquish: 'yes' });
	body('confirm-null', { ...base, confirmRelinquish: null });
	body('confirm-1', { ...base, confirmRelinquish: 1 });
	body('both-userId-username', { ...base, username: 'no-such-user' });
	form('form-valid', base);
	form('form-confirm', { ...base, confirmRelinquish: 'true' });
});

// ---------------------------------------------------------------------------- users.deactivateIdle
op('users.deactivateIdle', () => {
	// Only thresholds nobody in the run reaches: no case may deactivate a fixture.
	const base = { daysIdle: 100000 };
	body('valid', base);
	body('valid-role', { ...base, role: 'user' });
	body('valid-role-unknown', { ...base, role: 'no-such-role' });
	body('valid-fraction', { daysIdle: 100000.5 });
	body('daysIdle-string', { daysIdle: '100000' });
	body('missing-daysIdle', {});
	body('role-only', { role: 'user' });
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	body('daysIdle-word', { daysIdle: 'soon' });
	body('daysIdle-empty', { daysIdle: '' });
	body('daysIdle-null', { daysIdle: null });
	body('daysIdle-object', { daysIdle: {} });
	body('daysIdle-array', { daysIdle: [100000] });
	body('daysIdle-negative', { daysIdle: -1 });
	body('role-number', { ...base, role: 5 });
	body('role-null', { ...base, role: null });
	body('role-array', { ...base, role: ['user'] });
	form('form-valid', { daysIdle: '100000' });
	form('form-role', { daysIdle: '100000', role: 'admin' });
});

// ---------------------------------------------------------------------------- users.register
op('users.register', () => {
	const base = { username: 'r-$UNIQUE', email: 'r-$UNIQUE@example.org', pass: 'pw-$UNIQUE', name: 'Reg $UNIQUE' };
	body('valid', base);
	body('valid-minimal', without(base, 'name'));
	body('valid-secret-reason', { ...base, secret: 's', reason: 'r' });
	body('valid-customFields', { ...base, customFields: { a: 'b' } });
	for (const f of ['username', 'email', 'pass']) body(`missing-${f}`, without(base, f));
	body('password-not-pass', { ...without(base, 'pass'), password: 'pw' });
	body('empty-body', {});
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	stringField(base, 'username');
	body('pass-number', { ...base, pass: 123 });
	body('pass-null', { ...base, pass: null });
	body('name-null', { ...base, name: null });
	body('customFields-string', { ...base, customFields: 'x' });
	body('customFields-null', { ...base, customFields: null });
	form('form-valid', base);
});

// ---------------------------------------------------------------------------- users.info
op('users.info', () => {
	query('valid-userId', { userId: '$USER_ID' });
	query('valid-username', { username: '$USERNAME' });
	query('valid-email', { email: '$USER_EMAIL' });
	query('valid-importId', { importId: 'no-such-import' });
	query('valid-freeSwitchExtension', { freeSwitchExtension: '1234' });
	query('valid-includeUserRooms', { userId: '$USER_ID', includeUserRooms: 'true' });
	query('valid-fields', { userId: '$USER_ID', fields: '{"name":1}' });
	query('includeUserRooms-str-1', { userId: '$USER_ID', includeUserRooms: '1' });
	query('includeUserRooms-empty', { userId: '$USER_ID', includeUserRooms: '' });
	query('missing-identifier', {});
	query('only-includeUserRooms', { includeUserRooms: 'true' });
	query('both-userId-username', { userId: '$USER_ID', username: '$USERNAME' });
	query('both-userId-email', { userId: '$USER_ID', email: '$USER_EMAIL' });
	query('extra-key', { userId: '$USER_ID', extra: '1' });
	query('userId-empty', { userId: '' });
	query('userId-unknown', { userId: 'no-such-user' });
	query('userId-array-one', { userId: ['$USER_ID'] });
	query('userId-array-two', { userId: ['$USER_ID', '$TARGET_ID'] });
	qstr('userId-repeated', 'userId=$USER_ID&userId=$TARGET_ID');
	query('userId-object', { userId: { a: 'b' } });
	query('userId-str-true', { userId: 'true' });
	query('username-upper', { username: 'VM-$RUN' });
});

// ---------------------------------------------------------------------------- users.list
op('users.list', () => {
	query('valid-empty', {});
	query('valid-count-offset', { count: 10, offset: 0 });
	query('valid-count-0', { count: 0 });
	query('valid-count-negative', { count: -1 });
	query('valid-sort', { sort: '{"username":1}' });
	query('valid-fields', { fields: '{"name":1}' });
	query('valid-query', { query: '{"active":true}' });
	query('valid-email', { email: '$USER_EMAIL' });
	query('count-abc', { count: 'abc' });
	query('count-empty', { count: '' });
	query('count-float', { count: '5.5' });
	query('count-exp', { count: '1e1' });
	query('count-hex', { count: '0x10' });
	query('count-str-true', { count: 'true' });
	query('count-array-one', { count: ['5'] });
	qstr('count-repeated', 'count=5&count=6');
	query('offset-abc', { offset: 'abc' });
	query('offset-float', { offset: '1.5' });
	query('email-empty', { email: '' });
	query('extra-key', { extra: '1' });
	query('count-object', { count: { a: '1' } });
	query('offset-big', { offset: '99999999999' });
});

// Cases for a GET operation naming a room by roomId or roomName (oneOf).
function roomQuery(idPh, namePh, otherIdPh) {
	query('valid-roomId', { roomId: idPh });
	query('valid-roomName', { roomName: namePh });
	query('missing-room', {});
	query('both-roomId-roomName', { roomId: idPh, roomName: namePh });
	query('both-empty', { roomId: '', roomName: '' });
	query('extra-key', { roomId: idPh, extra: '1' });
	query('roomId-empty', { roomId: '' });
	query('roomName-empty', { roomName: '' });
	query('roomId-unknown', { roomId: 'no-such-room' });
	query('roomName-unknown', { roomName: 'no-such-room' });
	query('roomId-other-kind', { roomId: otherIdPh });
	query('roomId-array-one', { roomId: [idPh] });
	query('roomId-array-two', { roomId: [idPh, otherIdPh] });
	qstr('roomId-repeated', `roomId=${idPh}&roomId=${otherIdPh}`);
	query('roomId-object', { roomId: { a: 'b' } });
	query('roomId-number', { roomId: '42' });
	query('roomId-str-true', { roomId: 'true' });
	query('roomName-hash', { roomName: `#${namePh}` });
	query('roomId-fields', { roomId: idPh, fields: '{"name":1}' });
	query('userId-instead', { userId: '$USER_ID' });
}

// ---------------------------------------------------------------------------- rooms.info
op('rooms.info', () => {
	roomQuery('$ROOM_ID', '$ROOM_NAME', '$GROUP_ID');
	query('valid-groupId', { roomId: '$GROUP_ID' });
	query('valid-groupName', { roomName: '$GROUP_NAME' });
});

// ---------------------------------------------------------------------------- subscriptions.getOne
op('subscriptions.getOne', () => {
	query('valid-roomId', { roomId: '$ROOM_ID' });
	query('valid-groupId', { roomId: '$GROUP_ID' });
	query('valid-not-member', { roomId: 'no-such-room' });
	query('missing-roomId', {});
	query('roomName-instead', { roomName: '$ROOM_NAME' });
	query('both-roomId-roomName', { roomId: '$ROOM_ID', roomName: '$ROOM_NAME' });
	query('extra-key', { roomId: '$ROOM_ID', extra: '1' });
	query('roomId-empty', { roomId: '' });
	query('roomId-array-one', { roomId: ['$ROOM_ID'] });
	query('roomId-array-two', { roomId: ['$ROOM_ID', '$GROUP_ID'] });
	qstr('roomId-repeated', 'roomId=$ROOM_ID&roomId=$GROUP_ID');
	query('roomId-object', { roomId: { a: 'b' } });
	query('roomId-number', { roomId: '42' });
	query('roomId-str-true', { roomId: 'true' });
	query('roomId-space', { roomId: ' ' });
	query('roomId-fields', { roomId: '$ROOM_ID', fields: '{"rid":1}' });
	query('userId-extra', { roomId: '$ROOM_ID', userId: '$USER_ID' });
	qstr('roomId-no-value', 'roomId');
	qstr('roomId-encoded', 'room%49d=$ROOM_ID');
	query('roomId-lowercase-key', { roomid: '$ROOM_ID' });
});

// Cases for channels.create / groups.create (the `c-` / `g-` name prefix).
function createRoom(prefix) {
	const base = { name: `${prefix}-$UNIQUE` };
	body('valid', base);
	body('valid-members', { ...base, members: ['$USERNAME'] });
	body('valid-readOnly', { ...base, readOnly: true });
	body('valid-excludeSelf', { ...base, excludeSelf: false });
	body('valid-customFields', { ...base, customFields: { a: 'b' } });
	body('valid-extraData', { ...base, extraData: { broadcast: false, encrypted: false } });
	body('name-taken', { name: prefix === 'c' ? '$ROOM_NAME' : '$GROUP_NAME' });
	body('missing-name', { members: ['$USERNAME'] });
	body('empty-body', {});
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	body('extraData-extra-key', { ...base, extraData: { broadcast: false, encrypted: false, extra: 1 } });
	body('extraData-string', { ...base, extraData: 'x' });
	stringField(base, 'name');
	body('members-string', { ...base, members: '$USERNAME' });
	body('members-number-items', { ...base, members: [1] });
	body('members-null', { ...base, members: null });
	body('members-unknown', { ...base, members: ['no-such-user'] });
	body('members-duplicate', { ...base, members: ['$USERNAME', '$USERNAME'] });
	body('readOnly-str-true', { ...base, readOnly: 'true' });
	body('readOnly-str-yes', { ...base, readOnly: 'yes' });
	body('readOnly-null', { ...base, readOnly: null });
	body('customFields-string', { ...base, customFields: 'x' });
	form('form-valid', { ...base, readOnly: 'false' });
}

op('channels.create', () => {
	createRoom('c');
	body('valid-teams', { name: 'c-$UNIQUE', teams: [] });
});
op('groups.create', () => createRoom('g'));

// Cases for an invite: a room by roomId or roomName (oneOf), users by userId, username or
// The malformed bodies every room-and-member operation gets, around a valid `base`.
function malformedMember(base, userId) {
	body('empty-body', {});
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	stringField(base, 'roomId');
	body('userId-number', { ...base, userId: 42 });
	body('userId-bool', { ...base, userId: true });
	body('userId-null', { ...base, userId: null });
	body('userId-empty', { ...base, userId: '' });
	body('userId-array', { ...base, userId: [userId] });
	form('form-valid', base);
}

// user; `lists` says whether the schema allows userIds / usernames (groups) or not (channels).
function invite(roomId, roomName, lists) {
	const base = { roomId, userId: '$OUTSIDER_ID' };
	body('valid-userId', base);
	body('valid-username', { roomId, username: '$OUTSIDER_USERNAME' });
	body('valid-user', { roomId, user: '$OUTSIDER_USERNAME' });
	body('valid-roomName', { roomName, userId: '$OUTSIDER_ID' });
	body('valid-no-user', { roomId });
	body('unknown-user', { roomId, userId: 'no-such-user' });
	body('missing-room', { userId: '$OUTSIDER_ID' });
	body('both-roomId-roomName', { roomId, roomName, userId: '$OUTSIDER_ID' });
	body('both-userId-username', { ...base, username: '$OUTSIDER_USERNAME' });
	body(lists ? 'valid-userIds' : 'userIds-list', { roomId, userIds: ['$OUTSIDER_ID'] });
	body(lists ? 'valid-usernames' : 'usernames-list', { roomId, usernames: ['$OUTSIDER_USERNAME'] });
	if (lists) {
		body('userIds-string', { roomId, userIds: '$OUTSIDER_ID' });
		body('userIds-null', { roomId, userIds: null });
		body('usernames-number-items', { roomId, usernames: [1] });
	}
	malformedMember(base, '$OUTSIDER_ID');
}

op('channels.invite', () => invite('$ROOM_ID', '$ROOM_NAME', false));
op('groups.invite', () => invite('$GROUP_ID', '$GROUP_NAME', true));

// Cases for groups.addOwner / removeOwner (one validator: room by roomId or roomName, user by
// userId, username or user, lists allowed). Only $USER_ID's ownership ever changes.
function owner() {
	const base = { roomId: '$GROUP_ID', userId: '$USER_ID' };
	body('valid-userId', base);
	body('valid-username', { roomId: '$GROUP_ID', username: '$USERNAME' });
	body('valid-user', { roomId: '$GROUP_ID', user: '$USERNAME' });
	body('valid-roomName', { roomName: '$GROUP_NAME', userId: '$USER_ID' });
	body('valid-no-user', { roomId: '$GROUP_ID' });
	body('valid-userIds', { roomId: '$GROUP_ID', userIds: ['$USER_ID'] });
	body('unknown-user', { roomId: '$GROUP_ID', userId: 'no-such-user' });
	body('not-member', { roomId: '$GROUP_ID', userId: '$TARGET_ID' });
	body('channel-id', { roomId: '$ROOM_ID', userId: '$USER_ID' });
	body('missing-room', { userId: '$USER_ID' });
	body('both-roomId-roomName', { roomId: '$GROUP_ID', roomName: '$GROUP_NAME', userId: '$USER_ID' });
	body('both-userId-username', { ...base, username: '$USERNAME' });
	malformedMember(base, '$USER_ID');
}

op('groups.addOwner', owner);
op('groups.removeOwner', owner);

op('channels.roles', () => roomQuery('$ROOM_ID', '$ROOM_NAME', '$GROUP_ID'));
op('groups.roles', () => roomQuery('$GROUP_ID', '$GROUP_NAME', '$ROOM_ID'));

// ---------------------------------------------------------------------------- groups.members
op('groups.members', () => {
	roomQuery('$GROUP_ID', '$GROUP_NAME', '$ROOM_ID');
	query('valid-paged', { roomId: '$GROUP_ID', offset: 0, count: 10 });
	query('valid-filter', { roomId: '$GROUP_ID', filter: 'v' });
	query('valid-status-array', { roomId: '$GROUP_ID', status: ['online', 'offline'] });
	query('status-scalar', { roomId: '$GROUP_ID', status: 'online' });
	query('count-abc', { roomId: '$GROUP_ID', count: 'abc' });
	query('count-float', { roomId: '$GROUP_ID', count: '2.5' });
	query('count-empty', { roomId: '$GROUP_ID', count: '' });
	query('offset-abc', { roomId: '$GROUP_ID', offset: 'abc' });
});

// ---------------------------------------------------------------------------- licenses.info
op('licenses.info', () => {
	query('valid-empty', {});
	query('valid-loadValues-true', { loadValues: 'true' });
	query('valid-loadValues-false', { loadValues: 'false' });
	query('loadValues-1', { loadValues: '1' });
	query('loadValues-0', { loadValues: '0' });
	query('loadValues-yes', { loadValues: 'yes' });
	query('loadValues-empty', { loadValues: '' });
	query('loadValues-upper', { loadValues: 'TRUE' });
	query('loadValues-array-one', { loadValues: ['true'] });
	query('loadValues-array-two', { loadValues: ['true', 'false'] });
	qstr('loadValues-repeated', 'loadValues=true&loadValues=false');
	query('loadValues-object', { loadValues: { a: 'b' } });
	qstr('loadValues-no-value', 'loadValues');
	query('extra-key', { extra: '1' });
	query('extra-with-loadValues', { loadValues: 'true', extra: '1' });
	query('loadValues-number', { loadValues: '2' });
	query('loadValues-null-word', { loadValues: 'null' });
	query('loadValues-space', { loadValues: ' true' });
	query('loadValues-lowercase-key', { loadvalues: 'true' });
	qstr('empty-key', '=true');
});

// ---------------------------------------------------------------------------- without a validator
// addOwner and removeOwner take the same bodies.
for (const name of ['channels.addOwner', 'channels.removeOwner']) {
	op(name, () => {
		const base = { roomId: '$ROOM_ID', userId: '$USER_ID' };
		body('valid-userId', base);
		body('valid-username', { roomName: '$ROOM_NAME', username: '$USERNAME' });
		body('missing-room', { userId: '$USER_ID' });
		body('missing-user', { roomId: '$ROOM_ID' });
		body('both-roomId-roomName', { ...base, roomName: '$ROOM_NAME' });
		body('extra-key', { ...base, extra: 1 });
		body('roomId-number', { ...base, roomId: 42 });
		body('userId-bool', { ...base, userId: true });
		body('userId-null', { ...base, userId: null });
		body('empty-body', {});
		form('form-valid', base);
	});
}
op('channels.members', () => {
	query('valid-roomId', { roomId: '$ROOM_ID' });
	query('valid-roomName', { roomName: '$ROOM_NAME' });
	query('valid-paged', { roomId: '$ROOM_ID', offset: 0, count: 1 });
	query('missing-room', {});
	query('both-roomId-roomName', { roomId: '$ROOM_ID', roomName: '$ROOM_NAME' });
	query('extra-key', { roomId: '$ROOM_ID', extra: '1' });
	query('count-abc', { roomId: '$ROOM_ID', count: 'abc' });
	query('count-float', { roomId: '$ROOM_ID', count: '1.5' });
	query('roomId-array-one', { roomId: ['$ROOM_ID'] });
	qstr('roomId-repeated', 'roomId=$ROOM_ID&roomId=$GROUP_ID');
	query('group-id', { roomId: '$GROUP_ID' });
});
op('permissions.update', () => {
	const one = { _id: '$PERM_ID', roles: '$PERM_ROLES' };
	body('valid-unchanged', { permissions: [one] });
	body('valid-empty-list', { permissions: [] });
	body('unknown-permission', { permissions: [{ _id: 'no-such-permission', roles: ['admin'] }] });
	body('unknown-role', { permissions: [{ _id: '$PERM_ID', roles: ['no-such-role'] }] });
	body('missing-permissions', {});
	body('permissions-object', { permissions: one });
	body('missing-roles', { permissions: [{ _id: '$PERM_ID' }] });
	body('roles-string', { permissions: [{ _id: '$PERM_ID', roles: 'admin' }] });
	body('id-number', { permissions: [{ _id: 42, roles: ['admin'] }] });
	body('extra-key', { permissions: [one], extra: 1 });
	body('item-extra-key', { permissions: [{ ...one, extra: 1 }] });
});
op('permissions.listAll', () => {
	query('valid-empty', {});
	query('valid-updatedSince', { updatedSince: '2020-01-01T00:00:00.000Z' });
	query('updatedSince-invalid', { updatedSince: 'yesterday' });
	query('updatedSince-empty', { updatedSince: '' });
	query('extra-key', { extra: '1' });
	query('count', { count: '5' });
	query('array', { updatedSince: ['a', 'b'] });
	qstr('no-value', 'updatedSince');
	query('without-auth', {}, { auth: 'none' });
	query('fields', { fields: '{"roles":1}' });
});
op('logout', () => {
	body('valid-empty', {}, { auth: 'fresh' });
	add('valid-no-body', { rawBody: '' }, { auth: 'fresh' });
	body('extra-key', { extra: 1 }, { auth: 'fresh' });
	body('body-array', [], { auth: 'fresh' });
	body('userId', { userId: '$LOGIN_ID' }, { auth: 'fresh' });
	form('form', { a: '1' }, { auth: 'fresh' });
	add('malformed-json', { rawBody: '{' }, { auth: 'fresh' });
	body('without-auth', {}, { auth: 'none' });
	query('query-string', { a: '1' }, { auth: 'fresh' });
	body('body-string', 'x', { auth: 'fresh' });
});
op('me', () => {
	query('valid', {});
	query('fields', { fields: '{"name":1}' });
	query('extra-key', { extra: '1' });
	query('userId', { userId: '$USER_ID' });
	query('array', { a: ['1', '2'] });
	query('object', { a: { b: 'c' } });
	qstr('no-value', 'flag');
	qstr('bad-encoding', 'a=%E0%A4%A');
	query('without-auth', {}, { auth: 'none' });
	query('login-user', {}, { auth: 'fresh' });
});

// ---------------------------------------------------------------------------- users.createToken
op('users.createToken', () => {
	// The run's server has no CREATE_TOKENS_FOR_USERS_SECRET: a valid body is refused as
	// not authorized, never as invalid.
	const base = { userId: '$USER_ID', secret: 's' };
	body('valid', base);
	body('missing-secret', without(base, 'secret'));
	body('missing-userId', without(base, 'userId'));
	body('secret-empty', { ...base, secret: '' });
	body('userId-empty', { ...base, userId: '' });
	body('userId-number', { ...base, userId: 5 });
	body('username-instead', { username: '$USERNAME', secret: 's' });
	body('extra-key', { ...base, extra: 1 });
	body('body-array', []);
	form('form-valid', base);
});

// ---------------------------------------------------------------------------- users.setStatus
op('users.setStatus', () => {
	body('valid-status', { status: 'away' });
	body('valid-message', { message: 'in a meeting' });
	body('valid-both', { status: 'busy', message: 'focus' });
	body('valid-expiry', { status: 'busy', expiresAt: '2100-01-01T00:00:00.000Z' });
	body('valid-other-user', { username: '$USERNAME', status: 'online' });
	body('status-invisible', { status: 'invisible' });
	body('status-number', { status: 1 });
	body('message-null-status', { status: 'online', message: null });
	body('message-number', { message: 5 });
	body('neither', {});
	body('extra-key', { status: 'online', extra: 1 });
	body('expiry-past', { status: 'away', expiresAt: '2001-01-01' });
	form('form-valid', { status: 'online' });
});

// ---------------------------------------------------------------------------- users.getPresence
op('users.getPresence', () => {
	query('valid', {});
	query('valid-userId', { userId: '$USER_ID' });
	query('valid-username', { username: '$USERNAME' });
	query('valid-user', { user: '$USERNAME' });
	query('unknown-user', { userId: 'no-such-user' });
	query('extra-key', { name: '$USERNAME' });
	query('userId-array', { userId: ['$USER_ID', '$USER_ID'] });
});

// ---------------------------------------------------------------------------- roles.*
op('roles.list', () => {
	query('valid', {});
	query('extra-key', { extra: '1' });
});
op('roles.sync', () => {
	query('valid', {});
	query('valid-since', { updatedSince: '2020-01-01T00:00:00.000Z' });
	query('since-word', { updatedSince: 'yesterday' });
	query('extra-key', { since: '2020-01-01' });
});
op('roles.create', () => {
	body('valid', { name: 'auditor-$UNIQUE' });
});
op('roles.update', () => {
	// bot's description is already empty: the valid case changes nothing.
	const base = { roleId: 'bot', name: 'bot', description: '' };
	body('valid', base);
	body('rename-protected', { ...base, name: 'robot' });
	body('missing-name', without(base, 'name'));
	body('scope-rooms', { ...base, scope: 'Rooms' });
	body('mandatory2fa-str', { ...base, mandatory2fa: 'no' });
	body('extra-key', { ...base, extra: 1 });
});
op('roles.delete', () => {
	body('valid-protected', { roleId: 'bot' });
	body('unknown', { roleId: 'no-such-role' });
	body('missing-roleId', {});
	body('roleId-number', { roleId: 5 });
	body('extra-key', { roleId: 'bot', extra: 1 });
});
op('roles.addUserToRole', () => {
	const base = { username: '$OUTSIDER_USERNAME', roleId: 'bot' };
	body('valid', base);
	body('valid-again', base);
	body('valid-room-role', { username: '$USERNAME', roleId: 'moderator', roomId: '$ROOM_ID' });
	body('missing-username', without(base, 'username'));
	body('missing-roleId', without(base, 'roleId'));
	body('roleId-null', { ...base, roleId: null });
	body('roomId-null', { ...base, roomId: null });
	body('roleName', { username: '$OUTSIDER_USERNAME', roleName: 'bot' });
	body('username-number', { ...base, username: 5 });
	body('extra-key', { ...base, extra: 1 });
	form('form-valid', base);
});
op('roles.removeUserFromRole', () => {
	const base = { username: '$OUTSIDER_USERNAME', roleId: 'bot' };
	body('valid', base);
	body('valid-again', base);
	body('valid-room-role', { username: '$USERNAME', roleId: 'moderator', scope: '$ROOM_ID' });
	body('scope-null', { ...base, scope: null });
	body('roomId', { ...base, roomId: '$ROOM_ID' });
	body('missing-username', without(base, 'username'));
	body('roleId-number', { ...base, roleId: 5 });
	body('extra-key', { ...base, extra: 1 });
});
op('roles.getUsersInRole', () => {
	query('valid', { role: 'admin' });
	query('valid-paged', { role: 'admin', count: '1', offset: '0' });
	query('valid-room', { role: 'owner', roomId: '$ROOM_ID' });
	query('valid-sort-query', { role: 'admin', sort: '{"username":1}', query: '{}' });
	query('missing-role', {});
	query('role-empty', { role: '' });
	query('count-word', { role: 'admin', count: 'many' });
	query('extra-key', { role: 'admin', extra: '1' });
});
op('roles.getUsersInPublicRoles', () => {
	query('valid', {});
	query('extra-key', { extra: '1' });
});

// ---------------------------------------------------------------------------- room administration
// Destructive operations name a room that does not exist: a valid body is then refused as
// not found, never as invalid, and no fixture is touched.
function roomBodyCases(base) {
	body('valid', base);
	body('valid-room-name', { ...without(base, 'roomId'), roomName: 'no-such-room' });
	body('missing-room', without(base, 'roomId'));
	body('both-room-keys', { ...base, roomName: 'no-such-room' });
	body('roomId-number', { ...base, roomId: 5 });
	body('roomId-null', { ...base, roomId: null });
	body('extra-key', { ...base, extra: 1 });
	body('body-array', []);
}
op('channels.kick', () => {
	roomBodyCases({ roomId: 'no-such-room', userId: '$USER_ID' });
	body('username-instead', { roomId: 'no-such-room', username: '$USERNAME' });
	body('missing-user', { roomId: 'no-such-room' });
});
op('channels.leave', () => roomBodyCases({ roomId: 'no-such-room' }));
op('channels.join', () => {
	roomBodyCases({ roomId: 'no-such-room' });
	body('valid-code', { roomId: 'no-such-room', joinCode: 'x' });
	body('code-null', { roomId: 'no-such-room', joinCode: null });
	body('code-number', { roomId: 'no-such-room', joinCode: 123 });
});
op('channels.addAll', () => {
	roomBodyCases({ roomId: 'no-such-room' });
	body('valid-active-only', { roomId: 'no-such-room', activeUsersOnly: true });
	body('active-only-word', { roomId: 'no-such-room', activeUsersOnly: 'yes' });
	body('active-only-str-true', { roomId: 'no-such-room', activeUsersOnly: 'true' });
});
op('channels.archive', () => roomBodyCases({ roomId: 'no-such-room' }));
op('channels.unarchive', () => roomBodyCases({ roomId: 'no-such-room' }));
op('channels.open', () => roomBodyCases({ roomId: 'no-such-room' }));
op('channels.setReadOnly', () => {
	roomBodyCases({ roomId: 'no-such-room', readOnly: true });
	body('missing-readOnly', { roomId: 'no-such-room' });
	body('readOnly-word', { roomId: 'no-such-room', readOnly: 'maybe' });
});
op('channels.setAnnouncement', () => {
	roomBodyCases({ roomId: 'no-such-room', announcement: 'hello' });
	body('missing-announcement', { roomId: 'no-such-room' });
	body('announcement-number', { roomId: 'no-such-room', announcement: 5 });
});
op('channels.delete', () => roomBodyCases({ roomId: 'no-such-room' }));
op('channels.list', () => {
	query('valid', {});
	query('valid-paged', { count: '5', offset: '0' });
	query('valid-sort', { sort: '{"name":-1}' });
	query('count-word', { count: 'many' });
	query('extra-key', { extra: '1' });
	query('fields', { fields: '{"name":1}' });
});
op('channels.moderators', () => {
	query('valid', { roomId: '$ROOM_ID' });
	query('valid-name', { roomName: '$ROOM_NAME' });
	query('missing-room', {});
	query('both-room-keys', { roomId: '$ROOM_ID', roomName: '$ROOM_NAME' });
	query('extra-key', { roomId: '$ROOM_ID', extra: '1' });
});
op('groups.info', () => {
	query('valid', { roomId: '$GROUP_ID' });
	query('valid-name', { roomName: '$GROUP_NAME' });
	query('missing-room', {});
	query('extra-key', { roomId: '$GROUP_ID', extra: '1' });
});
op('rooms.adminRooms', () => {
	query('valid', {});
	query('valid-filter', { filter: 'v', types: ['c', 'p'] });
	query('valid-one-type', { types: 'c' });
	query('type-singular-discussion', { types: ['discussion'] });
	query('types-word', { types: ['rooms'] });
	query('count-word', { count: 'many' });
	query('extra-key', { extra: '1' });
	query('fields', { fields: '{}' });
});
op('subscriptions.get', () => {
	query('valid', {});
	query('valid-since', { updatedSince: '2020-01-01T00:00:00.000Z' });
	query('since-word', { updatedSince: 'soon' });
	query('extra-key', { extra: '1' });
});
op('directory', () => {
	query('valid', {});
	query('valid-users', { type: 'users', text: 'v' });
	query('valid-sorted', { type: 'channels', sort: '{"name":1}' });
	query('type-unknown', { type: 'planets' });
	query('count-word', { count: 'many' });
	query('extra-key', { extra: '1' });
});
op('rooms.leave', () => roomBodyCases({ roomId: 'no-such-room' }));
op('rooms.favorite', () => {
	roomBodyCases({ roomId: 'no-such-room', favorite: true });
	body('missing-favorite', { roomId: 'no-such-room' });
	body('favorite-str-true', { roomId: 'no-such-room', favorite: 'true' });
	body('favorite-word', { roomId: 'no-such-room', favorite: 'maybe' });
});

// ---------------------------------------------------------------------------- rooms.hide / rooms.open
// Only the admin's own subscription to the channel is hidden, and rooms.open (after it in the
// corpus) opens it again.
function roomIdOnly() {
	const base = { roomId: '$ROOM_ID' };
	body('valid', base);
	body('valid-again', base);
	body('unknown-room', { roomId: 'no-such-room' });
	body('missing-roomId', {});
	body('roomName-instead', { roomName: '$ROOM_NAME' });
	body('both-roomId-roomName', { ...base, roomName: '$ROOM_NAME' });
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	stringField(base, 'roomId');
	form('form-valid', base);
	form('form-empty', { roomId: '' });
}
op('rooms.hide', roomIdOnly);
op('rooms.open', () => {
	roomIdOnly();
	body('final-open', { roomId: '$ROOM_ID' }, { note: 'leaves the subscription open' });
});

// ---------------------------------------------------------------------------- rooms.roles
op('rooms.roles', () => {
	query('valid', { rid: '$ROOM_ID' });
	query('valid-group', { rid: '$GROUP_ID' });
	query('unknown-room', { rid: 'no-such-room' });
	query('missing-rid', {});
	query('roomId-instead', { roomId: '$ROOM_ID' });
	query('extra-key', { rid: '$ROOM_ID', extra: '1' });
	query('rid-empty', { rid: '' });
	query('rid-array-two', { rid: ['$ROOM_ID', '$GROUP_ID'] });
});

// ---------------------------------------------------------------------------- rooms.membersOrderedByRole
op('rooms.membersOrderedByRole', () => {
	query('valid-roomId', { roomId: '$ROOM_ID' });
	query('valid-roomName', { roomName: '$ROOM_NAME' });
	query('valid-group', { roomId: '$GROUP_ID' });
	query('valid-paged', { roomId: '$ROOM_ID', count: '1', offset: '0' });
	query('valid-filter-status', { roomId: '$ROOM_ID', filter: 'v', status: ['online', 'offline'] });
	query('valid-sort', { roomId: '$ROOM_ID', sort: '{"rolePriority":-1}' });
	query('status-scalar', { roomId: '$ROOM_ID', status: 'online' });
	query('unknown-room', { roomId: 'no-such-room' });
	query('missing-room', {});
	query('both-roomId-roomName', { roomId: '$ROOM_ID', roomName: '$ROOM_NAME' });
	query('roomId-empty', { roomId: '' });
	query('roomId-array-two', { roomId: ['$ROOM_ID', '$GROUP_ID'] });
	query('count-word', { roomId: '$ROOM_ID', count: 'many' });
	query('count-float', { roomId: '$ROOM_ID', count: '1.5' });
	query('offset-word', { roomId: '$ROOM_ID', offset: 'first' });
	query('extra-key', { roomId: '$ROOM_ID', extra: '1' });
	query('fields', { roomId: '$ROOM_ID', fields: '{"name":1}' });
	query('status-object', { roomId: '$ROOM_ID', status: { a: 'b' } });
});

// ---------------------------------------------------------------------------- rooms.adminRooms.getRoom / privateRooms
op('rooms.adminRooms.getRoom', () => {
	query('valid', { rid: '$ROOM_ID' });
	query('valid-group', { rid: '$GROUP_ID' });
	query('unknown-room', { rid: 'no-such-room' });
	query('missing-rid', {});
	query('rid-empty', { rid: '' });
	query('roomId-instead', { roomId: '$ROOM_ID' });
	query('extra-key', { rid: '$ROOM_ID', extra: '1' });
	query('rid-array-one', { rid: ['$ROOM_ID'] });
	query('rid-array-two', { rid: ['$ROOM_ID', '$GROUP_ID'] });
	query('rid-object', { rid: { a: 'b' } });
	query('without-auth', { rid: '$ROOM_ID' }, { auth: 'none' });
});
op('rooms.adminRooms.privateRooms', () => {
	query('valid', {});
	query('valid-filter', { filter: 'vg' });
	query('valid-paged', { count: '1', offset: '0' });
	query('valid-sort', { sort: '{"name":-1}' });
	query('count-word', { count: 'many' });
	query('extra-key', { extra: '1' });
	query('login-user', {}, { auth: 'fresh' });
});

// ---------------------------------------------------------------------------- rooms.muteUser / unmuteUser
// Only $USER_ID is muted in the channel; unmuteUser (after it) unmutes it again.
function muteCases() {
	const base = { roomId: '$ROOM_ID', userId: '$USER_ID' };
	body('valid-userId', base);
	body('valid-username', { roomId: '$ROOM_ID', username: '$USERNAME' });
	body('unknown-user', { roomId: '$ROOM_ID', userId: 'no-such-user' });
	body('unknown-room', { roomId: 'no-such-room', userId: '$USER_ID' });
	body('not-member', { roomId: '$ROOM_ID', userId: '$TARGET_ID' });
	body('missing-user', { roomId: '$ROOM_ID' });
	body('missing-room', { userId: '$USER_ID' });
	body('both-userId-username', { ...base, username: '$USERNAME' });
	body('user-instead', { roomId: '$ROOM_ID', user: '$USERNAME' });
	body('roomName-instead', { roomName: '$ROOM_NAME', userId: '$USER_ID' });
	body('empty-body', {});
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	body('userId-empty', { ...base, userId: '' });
	body('userId-null', { ...base, userId: null });
	body('userId-number', { ...base, userId: 42 });
	body('userId-array', { ...base, userId: ['$USER_ID'] });
	body('roomId-empty', { ...base, roomId: '' });
	body('roomId-null', { ...base, roomId: null });
	form('form-valid', base);
}
op('rooms.muteUser', muteCases);
op('rooms.unmuteUser', () => {
	muteCases();
	body('final-unmute', { roomId: '$ROOM_ID', userId: '$USER_ID' }, { note: 'leaves the member unmuted' });
});

// ---------------------------------------------------------------------------- rooms.banUser / unbanUser / bannedUsers
// Only $TARGET_ID (a member of no room) is ever banned, from the channel; unbanUser (after it)
// lifts the ban again.
function banCases() {
	const base = { roomId: '$ROOM_ID', userId: '$TARGET_ID' };
	body('valid-userId', base);
	body('valid-username', { roomId: '$ROOM_ID', username: 'vt-$RUN' });
	body('unknown-user', { roomId: '$ROOM_ID', userId: 'no-such-user' });
	body('unknown-room', { roomId: 'no-such-room', userId: '$TARGET_ID' });
	body('missing-user', { roomId: '$ROOM_ID' });
	body('missing-room', { userId: '$TARGET_ID' });
	body('both-userId-username', { ...base, username: 'vt-$RUN' });
	body('user-instead', { roomId: '$ROOM_ID', user: 'vt-$RUN' });
	body('roomName-instead', { roomName: '$ROOM_NAME', userId: '$TARGET_ID' });
	body('empty-body', {});
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	body('userId-empty', { ...base, userId: '' });
	body('userId-null', { ...base, userId: null });
	body('userId-number', { ...base, userId: 42 });
	body('roomId-empty', { ...base, roomId: '' });
	body('roomId-object', { ...base, roomId: {} });
	form('form-valid', base);
}
op('rooms.banUser', banCases);
op('rooms.unbanUser', () => {
	banCases();
	body('final-unban', { roomId: '$ROOM_ID', userId: '$TARGET_ID' }, { note: 'leaves the target unbanned' });
});
op('rooms.bannedUsers', () => {
	query('valid', { roomId: '$ROOM_ID' });
	query('valid-paged', { roomId: '$ROOM_ID', count: '1', offset: '0' });
	query('valid-group', { roomId: '$GROUP_ID' });
	query('unknown-room', { roomId: 'no-such-room' });
	query('missing-roomId', {});
	query('roomName-instead', { roomName: '$ROOM_NAME' });
	query('roomId-empty', { roomId: '' });
	query('roomId-array-two', { roomId: ['$ROOM_ID', '$GROUP_ID'] });
	query('count-word', { roomId: '$ROOM_ID', count: 'many' });
	query('offset-word', { roomId: '$ROOM_ID', offset: 'first' });
	query('extra-key', { roomId: '$ROOM_ID', extra: '1' });
	query('sort', { roomId: '$ROOM_ID', sort: '{"ts":1}' });
});

// ---------------------------------------------------------------------------- rooms.saveNotification
// The admin's own subscription to the channel; the values are the defaults.
op('rooms.saveNotification', () => {
	const base = { roomId: '$ROOM_ID', notifications: { desktopNotifications: 'default' } };
	body('valid', base);
	body('valid-several', { roomId: '$ROOM_ID', notifications: { desktopNotifications: 'default', mobilePushNotifications: 'default', emailNotifications: 'default' } });
	body('unknown-room', { ...base, roomId: 'no-such-room' });
	body('valid-group', { ...base, roomId: '$GROUP_ID' });
	body('notifications-empty', { roomId: '$ROOM_ID', notifications: {} });
	body('missing-notifications', { roomId: '$ROOM_ID' });
	body('missing-roomId', { notifications: base.notifications });
	body('notifications-string', { roomId: '$ROOM_ID', notifications: 'x' });
	body('notifications-null', { roomId: '$ROOM_ID', notifications: null });
	body('roomId-null', { ...base, roomId: null });
	body('value-number', { roomId: '$ROOM_ID', notifications: { desktopNotifications: 1 } });
	body('unknown-key', { roomId: '$ROOM_ID', notifications: { noSuchKey: 'x' } });
	body('unknown-value', { roomId: '$ROOM_ID', notifications: { desktopNotifications: 'sometimes' } });
	body('extra-key', { ...base, extra: 1 });
	body('body-array', []);
	form('form-flat', { roomId: '$ROOM_ID', 'notifications[desktopNotifications]': 'default' });
});

// ---------------------------------------------------------------------------- rooms.saveRoomSettings
// Only the channel's topic, description and announcement change, read-only stays off and
// favorite is not stored; every other setting names a room that does not exist.
op('rooms.saveRoomSettings', () => {
	const base = { rid: '$ROOM_ID', roomTopic: 'topic $RUN' };
	const none = { rid: 'no-such-room' };
	body('valid', base);
	body('valid-several', { ...base, roomDescription: 'description $RUN', roomAnnouncement: 'announcement $RUN', readOnly: false });
	body('valid-rid-only', { rid: '$ROOM_ID' });
	body('valid-unknown-room', { ...none, roomName: 'x-$UNIQUE' });
	body('valid-all-keys', {
		...none, roomName: 'x-$UNIQUE', roomTopic: 't', roomAnnouncement: 'a', roomDescription: 'd',
		roomCustomFields: { a: 'b' }, roomType: 'p', readOnly: true, reactWhenReadOnly: true,
		systemMessages: ['uj'], default: true, joinCode: 'code', featured: true, encrypted: false,
		favorite: { defaultValue: false, favorite: true }, roomAvatar: '', retentionEnabled: false,
		retentionMaxAge: 30, retentionExcludePinned: false, retentionFilesOnly: false,
		retentionIgnoreThreads: false, retentionOverrideGlobal: false,
	});
	body('valid-null-fields', { ...none, roomTopic: null, roomName: null, readOnly: null });
	body('missing-rid', { roomTopic: 'x' });
	body('empty-body', {});
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	body('roomId-instead', { roomId: '$ROOM_ID', roomTopic: 'x' });
	stringField(base, 'rid');
	body('roomTopic-number', { ...none, roomTopic: 5 });
	body('roomTopic-object', { ...none, roomTopic: {} });
	body('readOnly-str-true', { ...none, readOnly: 'true' });
	body('readOnly-word', { ...none, readOnly: 'maybe' });
	body('default-num-1', { ...none, default: 1 });
	body('systemMessages-string', { ...none, systemMessages: 'uj' });
	body('systemMessages-number-items', { ...none, systemMessages: [1] });
	body('roomCustomFields-string', { ...none, roomCustomFields: 'x' });
	body('favorite-bool', { rid: '$ROOM_ID', favorite: true });
	body('favorite-missing-key', { rid: '$ROOM_ID', favorite: { favorite: true } });
	body('retentionMaxAge-word', { ...none, retentionMaxAge: 'long' });
	body('joinCode-number', { ...none, joinCode: 1234 });
	form('form-valid', { rid: '$ROOM_ID', roomTopic: 'form topic $RUN' });
	form('form-readOnly', { ...none, readOnly: 'false' });
});

// ---------------------------------------------------------------------------- rooms.isMember / nameExists
op('rooms.isMember', () => {
	query('valid-userId', { roomId: '$ROOM_ID', userId: '$USER_ID' });
	query('valid-username', { roomId: '$ROOM_ID', username: '$USERNAME' });
	query('valid-not-member', { roomId: '$ROOM_ID', userId: '$TARGET_ID' });
	query('valid-group', { roomId: '$GROUP_ID', userId: '$USER_ID' });
	query('unknown-room', { roomId: 'no-such-room', userId: '$USER_ID' });
	query('unknown-user', { roomId: '$ROOM_ID', userId: 'no-such-user' });
	query('missing-user', { roomId: '$ROOM_ID' });
	query('missing-room', { userId: '$USER_ID' });
	query('both-userId-username', { roomId: '$ROOM_ID', userId: '$USER_ID', username: '$USERNAME' });
	query('roomName-instead', { roomName: '$ROOM_NAME', userId: '$USER_ID' });
	query('roomId-empty', { roomId: '', userId: '$USER_ID' });
	query('userId-empty', { roomId: '$ROOM_ID', userId: '' });
	query('extra-key', { roomId: '$ROOM_ID', userId: '$USER_ID', extra: '1' });
	query('userId-array-two', { roomId: '$ROOM_ID', userId: ['$USER_ID', '$TARGET_ID'] });
	query('user-instead', { roomId: '$ROOM_ID', user: '$USERNAME' });
});
op('rooms.nameExists', () => {
	query('valid', { roomName: '$ROOM_NAME' });
	query('valid-group', { roomName: '$GROUP_NAME' });
	query('valid-unknown', { roomName: 'no-such-room' });
	query('missing-roomName', {});
	query('roomName-empty', { roomName: '' });
	query('roomId-instead', { roomId: '$ROOM_ID' });
	query('extra-key', { roomName: '$ROOM_NAME', extra: '1' });
	query('roomName-array-two', { roomName: ['$ROOM_NAME', '$GROUP_NAME'] });
});

// ---------------------------------------------------------------------------- rooms.autocomplete.*
function selectorCases(selector) {
	query('valid', { selector });
	query('valid-empty-name', { selector: '{"name":""}' });
	query('missing-selector', {});
	query('selector-not-json', { selector: 'vc' });
	query('selector-empty', { selector: '' });
	query('selector-no-name', { selector: '{}' });
	query('selector-array-two', { selector: [selector, selector] });
	query('selector-object', { selector: { name: 'v' } });
	query('extra-key', { selector, extra: '1' });
}
op('rooms.autocomplete.channelAndPrivate', () => selectorCases('{"name":"v"}'));
op('rooms.autocomplete.channelAndPrivate.withPagination', () => {
	selectorCases('{"name":"v"}');
	query('valid-paged', { selector: '{"name":"v"}', count: '1', offset: '0' });
	query('valid-sort', { selector: '{"name":"v"}', sort: '{"name":-1}' });
	query('valid-query', { selector: '{"name":"v"}', query: '{}' });
	query('count-word', { selector: '{"name":"v"}', count: 'many' });
	query('offset-word', { selector: '{"name":"v"}', offset: 'first' });
});
op('rooms.autocomplete.adminRooms', () => selectorCases('{"name":"v"}'));
op('rooms.autocomplete.availableForTeams', () => {
	query('valid', {});
	query('valid-name', { name: 'v' });
	query('valid-name-empty', { name: '' });
	query('selector-instead', { selector: '{"name":"v"}' });
	query('extra-key', { name: 'v', extra: '1' });
	query('name-array-two', { name: ['a', 'b'] });
	query('name-object', { name: { a: 'b' } });
});

// ---------------------------------------------------------------------------- rooms.changeArchivationState / join / delete / get
// Every valid case names a room that does not exist (rooms.join also the channel the admin is
// already in): no fixture is archived, joined or deleted.
op('rooms.changeArchivationState', () => {
	const base = { rid: 'no-such-room', action: 'archive' };
	body('valid', base);
	body('valid-unarchive', { ...base, action: 'unarchive' });
	body('valid-no-action', { rid: 'no-such-room' });
	body('valid-action-null', { ...base, action: null });
	body('missing-rid', { action: 'archive' });
	body('roomId-instead', { roomId: 'no-such-room', action: 'archive' });
	body('empty-body', {});
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	stringField(base, 'rid');
	body('action-number', { ...base, action: 1 });
	body('action-object', { ...base, action: {} });
	form('form-valid', base);
});
op('rooms.join', () => {
	const base = { roomId: 'no-such-room' };
	body('valid-roomId', base);
	body('valid-roomName', { roomName: 'no-such-room' });
	body('valid-member', { roomId: '$ROOM_ID' });
	body('valid-joinCode', { ...base, joinCode: 'x' });
	body('valid-joinCode-null', { ...base, joinCode: null });
	body('missing-room', {});
	body('both-roomId-roomName', { roomId: '$ROOM_ID', roomName: '$ROOM_NAME' });
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	stringField(base, 'roomId');
	body('roomName-empty', { roomName: '' });
	body('joinCode-number', { ...base, joinCode: 123 });
	body('joinCode-object', { ...base, joinCode: {} });
	form('form-valid', base);
});
op('rooms.delete', () => {
	const base = { roomId: 'no-such-room' };
	body('valid', base);
	body('missing-roomId', {});
	body('roomName-instead', { roomName: 'no-such-room' });
	body('extra-key', { ...base, extra: 1 });
	body('roomId-number', { roomId: 5 });
	body('roomId-null', { roomId: null });
	body('body-array', []);
	form('form-valid', base);
});
op('rooms.get', () => {
	query('valid', {});
	query('valid-since', { updatedSince: '2020-01-01T00:00:00.000Z' });
	query('since-word', { updatedSince: 'soon' });
	query('extra-key', { extra: '1' });
});

// ---------------------------------------------------------------------------- channels/groups.counters, .online
op('channels.counters', () => {
	query('valid-roomId', { roomId: '$ROOM_ID' });
	query('valid-roomName', { roomName: '$ROOM_NAME' });
	query('valid-userId', { roomId: '$ROOM_ID', userId: '$USER_ID' });
	query('unknown-room', { roomId: 'no-such-room' });
	query('group-id', { roomId: '$GROUP_ID' });
	query('missing-room', {});
	query('both-roomId-roomName', { roomId: '$ROOM_ID', roomName: '$ROOM_NAME' });
	query('roomId-empty', { roomId: '' });
	query('extra-key', { roomId: '$ROOM_ID', extra: '1' });
	query('roomId-array-two', { roomId: ['$ROOM_ID', '$GROUP_ID'] });
});
op('groups.counters', () => {
	query('valid-roomId', { roomId: '$GROUP_ID' });
	query('valid-roomName', { roomName: '$GROUP_NAME' });
	query('valid-userId', { roomId: '$GROUP_ID', userId: '$USER_ID' });
	query('unknown-room', { roomId: 'no-such-room' });
	query('channel-id', { roomId: '$ROOM_ID' });
	query('missing-room', {});
	query('both-roomId-roomName', { roomId: '$GROUP_ID', roomName: '$GROUP_NAME' });
	query('roomId-empty', { roomId: '' });
	query('extra-key', { roomId: '$GROUP_ID', extra: '1' });
	query('roomId-array-two', { roomId: ['$GROUP_ID', '$ROOM_ID'] });
});
function onlineCases(idPh, otherIdPh, namePh) {
	query('valid-id', { _id: idPh });
	query('valid-empty', {});
	query('valid-query', { query: `{"name":"${namePh}"}` });
	query('id-array-one', { _id: [idPh] });
	query('unknown-id', { _id: 'no-such-room' });
	query('other-kind-id', { _id: otherIdPh });
	query('id-empty', { _id: '' });
	query('roomId-instead', { roomId: idPh });
	query('extra-key', { _id: idPh, extra: '1' });
	query('id-array-two', { _id: [idPh, otherIdPh] });
	query('id-object', { _id: { a: 'b' } });
	query('fields', { _id: idPh, fields: '{"username":1}' });
}
op('channels.online', () => onlineCases('$ROOM_ID', '$GROUP_ID', '$ROOM_NAME'));
op('groups.online', () => onlineCases('$GROUP_ID', '$ROOM_ID', '$GROUP_NAME'));

// ---------------------------------------------------------------------------- the other channels.* and groups.* operations
op('channels.info', () => {
	query('valid-roomId', { roomId: '$ROOM_ID' });
	query('valid-roomName', { roomName: '$ROOM_NAME' });
	query('missing-room', {});
	query('group-id', { roomId: '$GROUP_ID' });
	query('extra-key', { roomId: '$ROOM_ID', extra: '1' });
	query('roomId-array-two', { roomId: ['$ROOM_ID', '$GROUP_ID'] });
});
op('channels.list.joined', () => {
	query('valid', {});
	query('valid-paged', { count: '1', offset: '0' });
	query('valid-sort', { sort: '{"name":-1}' });
	query('count-word', { count: 'many' });
	query('extra-key', { extra: '1' });
	query('fields', { fields: '{"name":1}' });
});
op('groups.list', () => {
	query('valid', {});
	query('valid-paged', { count: '1', offset: '0' });
	query('count-word', { count: 'many' });
	query('extra-key', { extra: '1' });
	query('fields', { fields: '{"name":1}' });
});
op('groups.listAll', () => {
	query('valid', {});
	query('valid-paged', { count: '1', offset: '0' });
	query('count-word', { count: 'many' });
	query('extra-key', { extra: '1' });
	query('query', { query: '{}' });
});
op('groups.moderators', () => {
	query('valid-roomId', { roomId: '$GROUP_ID' });
	query('valid-roomName', { roomName: '$GROUP_NAME' });
	query('missing-room', {});
	query('both-roomId-roomName', { roomId: '$GROUP_ID', roomName: '$GROUP_NAME' });
	query('channel-id', { roomId: '$ROOM_ID' });
	query('extra-key', { roomId: '$GROUP_ID', extra: '1' });
});

// Moderator and leader of $USER_ID in the channel (as channels.addOwner): added, then removed.
for (const name of ['channels.addModerator', 'channels.removeModerator', 'channels.addLeader', 'channels.removeLeader']) {
	op(name, () => {
		const base = { roomId: '$ROOM_ID', userId: '$USER_ID' };
		body('valid-userId', base);
		body('valid-username', { roomName: '$ROOM_NAME', username: '$USERNAME' });
		body('not-member', { roomId: '$ROOM_ID', userId: '$TARGET_ID' });
		body('missing-room', { userId: '$USER_ID' });
		body('missing-user', { roomId: '$ROOM_ID' });
		body('both-roomId-roomName', { ...base, roomName: '$ROOM_NAME' });
		body('extra-key', { ...base, extra: 1 });
		body('roomId-number', { ...base, roomId: 42 });
		body('userId-bool', { ...base, userId: true });
		body('userId-null', { ...base, userId: null });
		body('empty-body', {});
		form('form-valid', base);
	});
}
// The same for the group (validators the 8.8.1 routes do not call), with the owner cases' shapes.
op('groups.addModerator', owner);
op('groups.removeModerator', owner);
op('groups.addLeader', owner);
op('groups.removeLeader', owner);

op('groups.kick', () => {
	roomBodyCases({ roomId: 'no-such-room', userId: '$USER_ID' });
	body('username-instead', { roomId: 'no-such-room', username: '$USERNAME' });
	body('missing-user', { roomId: 'no-such-room' });
	body('not-member', { roomId: '$GROUP_ID', userId: '$TARGET_ID' });
});
for (const name of ['groups.leave', 'groups.archive', 'groups.unarchive', 'groups.open', 'groups.close', 'groups.delete', 'channels.close']) {
	op(name, () => {
		roomBodyCases({ roomId: 'no-such-room' });
		form('form-valid', { roomId: 'no-such-room' });
	});
}
op('groups.addAll', () => {
	roomBodyCases({ roomId: 'no-such-room' });
	body('valid-active-only', { roomId: 'no-such-room', activeUsersOnly: true });
	body('active-only-word', { roomId: 'no-such-room', activeUsersOnly: 'yes' });
	body('active-only-null', { roomId: 'no-such-room', activeUsersOnly: null });
});

// Setters of one room field: a room that does not exist, so nothing changes.
function setterCases(field, value, wrong) {
	roomBodyCases({ roomId: 'no-such-room', [field]: value });
	body(`missing-${field}`, { roomId: 'no-such-room' });
	body(`${field}-null`, { roomId: 'no-such-room', [field]: null });
	for (const [id, v] of Object.entries(wrong)) body(`${field}-${id}`, { roomId: 'no-such-room', [field]: v });
	form('form-valid', { roomId: 'no-such-room', [field]: typeof value === 'string' ? value : JSON.stringify(value) });
}
const textSetter = (field) => () => setterCases(field, 'text $RUN', { number: 5, object: {}, empty: '' });
for (const family of ['channels', 'groups']) {
	op(`${family}.rename`, () => setterCases('name', 'x-$UNIQUE', { number: 5, empty: '' }));
	op(`${family}.setDescription`, textSetter('description'));
	op(`${family}.setPurpose`, textSetter('purpose'));
	op(`${family}.setTopic`, textSetter('topic'));
	op(`${family}.setType`, () => setterCases('type', 'p', { number: 5, unknown: 'x' }));
	op(`${family}.setCustomFields`, () => setterCases('customFields', { a: 'b' }, { string: 'x', array: ['x'] }));
}
op('groups.setAnnouncement', textSetter('announcement'));
op('groups.setReadOnly', () => setterCases('readOnly', true, { 'str-true': 'true', word: 'maybe', 'num-1': 1 }));
op('channels.setDefault', () => setterCases('default', true, { 'str-true': 'true', word: 'maybe' }));
op('channels.setJoinCode', () => setterCases('joinCode', 'code', { number: 5, empty: '' }));

// ---------------------------------------------------------------------------- users.getUsernameSuggestion
op('users.getUsernameSuggestion', () => {
	query('valid', {});
	query('extra-key', { extra: '1' });
	query('login-user', {}, { auth: 'fresh' });
	query('without-auth', {}, { auth: 'none' });
});

// ---------------------------------------------------------------------------- users.deleteOwnAccount
// The login fixture user, with a password that is not its digest (and Accounts_AllowDeleteOwnAccount
// off, which no case turns on): every case is refused, nobody is deleted.
op('users.deleteOwnAccount', () => {
	const base = { password: 'not-the-digest' };
	body('valid-wrong-password', base);
	body('valid-confirm', { ...base, confirmRelinquish: true });
	body('valid-confirm-null', { ...base, confirmRelinquish: null });
	body('missing-password', {});
	body('password-number', { password: 42 });
	body('password-null', { password: null });
	body('password-empty', { password: '' });
	body('confirm-word', { ...base, confirmRelinquish: 'yes' });
	body('extra-key', { ...base, extra: 1 });
	body('body-array', []);
	form('form-valid', base);
	body('without-auth', base, { auth: 'none' });
});

// ---------------------------------------------------------------------------- personal access tokens
// The login fixture user's own tokens (it is too new to be asked for a second factor).
op('users.generatePersonalAccessToken', () => {
	const base = { tokenName: 'pat-$RUN' };
	body('valid', base);
	body('valid-taken', base);
	body('valid-bypass', { tokenName: 'pat-$UNIQUE', bypassTwoFactor: true });
	body('valid-bypass-null', { tokenName: 'pat-$UNIQUE', bypassTwoFactor: null });
	body('missing-tokenName', {});
	body('tokenName-number', { tokenName: 5 });
	body('tokenName-null', { tokenName: null });
	body('tokenName-empty', { tokenName: '' });
	body('bypass-word', { tokenName: 'pat-$UNIQUE', bypassTwoFactor: 'yes' });
	body('extra-key', { tokenName: 'pat-$UNIQUE', extra: 1 });
	body('body-array', []);
	form('form-valid', { tokenName: 'pat-$UNIQUE' });
});
op('users.regeneratePersonalAccessToken', () => {
	const base = { tokenName: 'pat-$RUN' };
	body('valid', base);
	body('unknown-token', { tokenName: 'no-such-token' });
	body('missing-tokenName', {});
	body('tokenName-number', { tokenName: 5 });
	body('tokenName-null', { tokenName: null });
	body('extra-key', { ...base, extra: 1 });
	form('form-valid', base);
});
op('users.getPersonalAccessTokens', () => {
	query('valid', {});
	query('extra-key', { extra: '1' });
	query('admin', {}, { auth: 'admin' });
	query('without-auth', {}, { auth: 'none' });
});
op('users.removePersonalAccessToken', () => {
	const base = { tokenName: 'pat-$RUN' };
	body('valid', base);
	body('valid-again', base);
	body('missing-tokenName', {});
	body('tokenName-number', { tokenName: 5 });
	body('tokenName-null', { tokenName: null });
	body('extra-key', { ...base, extra: 1 });
	form('form-valid', base);
});

// ---------------------------------------------------------------------------- users.setPreferences / getPreferences
// The admin's own preferences (and one of the member's), set to their defaults.
op('users.setPreferences', () => {
	const base = { data: { language: 'en' } };
	body('valid', base);
	body('valid-several', { data: { useEmojis: true, idleTimeLimit: 300, highlights: [], alsoSendThreadToChannel: 'default', masterVolume: 100 } });
	body('valid-self-userId', { userId: '$ADMIN_ID', ...base });
	body('valid-other-user', { userId: '$USER_ID', ...base });
	body('valid-userId-null', { userId: null, ...base });
	body('valid-null-value', { data: { language: null } });
	body('valid-empty-data', { data: {} });
	body('valid-object-lists', { data: { dontAskAgainList: [{ action: 'a', label: 'l' }], featuresPreview: [] } });
	body('unknown-user', { userId: 'no-such-user', ...base });
	body('missing-data', {});
	body('userId-only', { userId: '$ADMIN_ID' });
	body('data-null', { data: null });
	body('data-string', { data: 'x' });
	body('data-array', { data: [] });
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	body('data-extra-key', { data: { noSuchPreference: 1 } });
	body('bool-str-true', { data: { useEmojis: 'true' } });
	body('bool-word', { data: { useEmojis: 'maybe' } });
	body('number-str', { data: { masterVolume: '100' } });
	body('number-word', { data: { masterVolume: 'loud' } });
	body('string-number', { data: { language: 5 } });
	body('enum-unknown', { data: { alsoSendThreadToChannel: 'sometimes' } });
	body('highlights-string', { data: { highlights: 'x' } });
	body('statusVisibilityDenied-null', { data: { statusVisibilityDenied: null } });
	body('idleTimeLimit-low', { data: { idleTimeLimit: 30 } });
	body('userId-number', { userId: 5, ...base });
	form('form-flat', { 'data[language]': 'en' });
});
op('users.getPreferences', () => {
	query('valid', {});
	query('extra-key', { extra: '1' });
	query('userId', { userId: '$USER_ID' });
	query('login-user', {}, { auth: 'fresh' });
});

// ---------------------------------------------------------------------------- users.updateOwnBasicInfo
// The login fixture user's own nickname, bio, display name and status text; never its username,
// email or password.
op('users.updateOwnBasicInfo', () => {
	const base = { data: { nickname: 'nick $RUN' } };
	body('valid-nickname', base);
	body('valid-bio-name', { data: { bio: 'bio $RUN', name: 'Validators $LOGIN_USERNAME' } });
	body('valid-statusText', { data: { statusText: 'here' } });
	body('valid-empty-data', { data: {} });
	body('valid-null-field', { data: { nickname: null } });
	body('valid-customFields-null', { ...base, customFields: null });
	body('valid-customFields-empty', { ...base, customFields: {} });
	body('valid-same-username', { data: { username: '$LOGIN_USERNAME' } });
	body('email-without-password', { data: { email: 'other-$UNIQUE@example.org' } });
	body('missing-data', {});
	body('data-null', { data: null });
	body('data-string', { data: 'x' });
	body('body-array', []);
	body('extra-key', { ...base, extra: 1 });
	body('data-extra-key', { data: { nickname: 'n', roles: ['admin'] } });
	body('nickname-number', { data: { nickname: 5 } });
	body('nickname-object', { data: { nickname: {} } });
	body('nickname-array', { data: { nickname: ['n'] } });
	body('customFields-string', { ...base, customFields: 'x' });
	body('name-invalid-chars', { data: { name: 'a<b' } });
	form('form-flat', { 'data[nickname]': 'n' });
	body('without-auth', base, { auth: 'none' });
});

// ---------------------------------------------------------------------------- users.autocomplete / presence / getStatus / checkUsernameAvailability
op('users.autocomplete', () => {
	const selector = '{"term":"v"}';
	query('valid', { selector });
	query('valid-exceptions', { selector: '{"term":"v","exceptions":["$USERNAME"]}' });
	query('valid-empty-term', { selector: '{"term":""}' });
	query('selector-not-json', { selector: 'v' });
	query('selector-conditions', { selector: '{"term":"v","conditions":{"active":true}}' });
	query('missing-selector', {});
	query('selector-empty', { selector: '' });
	query('extra-key', { selector, extra: '1' });
	query('selector-array-one', { selector: [selector] });
	query('selector-array-two', { selector: [selector, selector] });
	query('selector-object', { selector: { term: 'v' } });
	query('count', { selector, count: '5' });
});
op('users.presence', () => {
	query('valid', {});
	query('valid-ids-string', { ids: '$USER_ID,$TARGET_ID' });
	query('valid-ids-array', { ids: ['$USER_ID', '$TARGET_ID'] });
	qstr('valid-ids-repeated', 'ids=$USER_ID&ids=$TARGET_ID');
	query('valid-from', { from: '2020-01-01T00:00:00.000Z' });
	query('valid-from-word', { from: 'yesterday' });
	query('ids-empty', { ids: '' });
	query('ids-object', { ids: { a: 'b' } });
	query('from-array-two', { from: ['a', 'b'] });
	query('extra-key', { extra: '1' });
	query('userId-instead', { userId: '$USER_ID' });
});
op('users.getStatus', () => {
	query('valid-self', {});
	query('valid-userId', { userId: '$USER_ID' });
	query('valid-username', { username: '$USERNAME' });
	query('valid-user', { user: '$USERNAME' });
	query('valid-self-id', { userId: '$ADMIN_ID' });
	query('unknown-user', { userId: 'no-such-user' });
	query('both-userId-username', { userId: '$USER_ID', username: '$USERNAME' });
	query('userId-empty', { userId: '' });
	query('userId-array-one', { userId: ['$USER_ID'] });
	query('userId-array-two', { userId: ['$USER_ID', '$TARGET_ID'] });
	query('userId-object', { userId: { a: 'b' } });
	query('extra-key', { userId: '$USER_ID', extra: '1' });
});
op('users.checkUsernameAvailability', () => {
	query('valid-free', { username: 'free-$UNIQUE' });
	query('valid-taken', { username: '$USERNAME' });
	query('valid-own', { username: '$ADMIN_USERNAME' });
	query('valid-blocked', { username: 'all' });
	query('missing-username', {});
	query('username-empty', { username: '' });
	query('username-array-one', { username: ['free-$UNIQUE'] });
	query('username-array-two', { username: ['a', 'b'] });
	query('username-object', { username: { a: 'b' } });
	query('extra-key', { username: 'free-$UNIQUE', extra: '1' });
	query('userId-instead', { userId: '$USER_ID' });
});

// ---------------------------------------------------------------------------- users.logoutOtherClients / removeOtherTokens
// The login fixture user, each case with a token of its own: only its other sessions end.
for (const name of ['users.logoutOtherClients', 'users.removeOtherTokens']) {
	op(name, () => {
		body('valid-empty', {});
		add('valid-no-body', { rawBody: '' });
		body('extra-key', { extra: 1 });
		body('body-array', []);
		form('form', { a: '1' });
		body('without-auth', {}, { auth: 'none' });
	});
}

// ---------------------------------------------------------------------------- settings
// Only Accounts_AllowDeleteOwnAccount is ever written, always with its default (false).
op('settings', () => {
	query('valid', {});
	query('valid-paged', { count: '5', offset: '0' });
	query('valid-sort', { sort: '{"_id":-1}' });
	query('valid-includeDefaults', { includeDefaults: 'true' });
	query('valid-includeDefaults-false', { includeDefaults: 'false' });
	query('includeDefaults-1', { includeDefaults: '1' });
	query('includeDefaults-word', { includeDefaults: 'maybe' });
	query('count-word', { count: 'many' });
	query('offset-word', { offset: 'first' });
	query('valid-fields', { fields: '{"value":1}' });
	query('valid-query', { query: '{}' });
	query('extra-key', { extra: '1' });
	query('id-filter', { _id: 'Site_Name' });
	query('count-array-two', { count: ['1', '2'] });
	query('login-user', {}, { auth: 'fresh' });
	query('without-auth', {}, { auth: 'none' });
});
op('POST settings', () => {
	const item = { _id: 'Accounts_AllowDeleteOwnAccount', value: false };
	body('valid', { settings: [item] });
	body('valid-two', { settings: [item, { ...item }] });
	body('valid-unknown-id', { settings: [{ _id: 'No_Such_Setting', value: 'x' }] });
	body('valid-editor', { settings: [{ ...item, editor: 'color' }] });
	body('valid-value-null', { settings: [{ ...item, value: null }] });
	body('valid-value-wrong-type', { settings: [{ ...item, value: 'yes' }] });
	body('valid-value-str-false', { settings: [{ ...item, value: 'false' }] });
	body('settings-empty', { settings: [] });
	body('missing-settings', {});
	body('settings-object', { settings: item });
	body('settings-null', { settings: null });
	body('item-missing-value', { settings: [{ _id: item._id }] });
	body('item-missing-id', { settings: [{ value: false }] });
	body('item-id-empty', { settings: [{ ...item, _id: '' }] });
	body('item-id-number', { settings: [{ ...item, _id: 5 }] });
	body('item-editor-unknown', { settings: [{ ...item, editor: 'paint' }] });
	body('item-extra-key', { settings: [{ ...item, extra: 1 }] });
	body('item-string', { settings: ['Accounts_AllowDeleteOwnAccount'] });
	body('extra-key', { settings: [item], extra: 1 });
	body('body-array', []);
	form('form-flat', { 'settings[0][_id]': item._id, 'settings[0][value]': 'false' });
	body('login-user', { settings: [item] }, { auth: 'fresh' });
});
op('settings/:_id', () => {
	query('valid', {});
	query('extra-key', { extra: '1' });
	query('login-user', {}, { auth: 'fresh' });
	query('without-auth', {}, { auth: 'none' });
});
op('POST settings/:_id', () => {
	body('valid', { value: false });
	body('valid-str-false', { value: 'false' });
	body('valid-execute', { value: false, execute: false });
	body('valid-editor', { value: false, editor: 'x' });
	body('valid-extra-key', { value: false, extra: 1 });
	body('value-wrong-type', { value: 'yes' });
	body('value-null', { value: null });
	body('value-number', { value: 0 });
	body('missing-value', {});
	body('execute-only', { execute: true });
	body('execute-word', { value: false, execute: 'maybe' });
	body('editor-object', { value: false, editor: {} });
	body('body-array', []);
	form('form-valid', { value: 'false' });
	body('login-user', { value: false }, { auth: 'fresh' });
});
op('settings.public', () => {
	query('valid', {});
	query('valid-ids', { _id: 'Site_Name,Language' });
	query('valid-paged', { count: '2', offset: '1' });
	query('valid-sort', { sort: '{"_id":-1}' });
	query('valid-query', { query: '{}' });
	query('valid-id-empty', { _id: '' });
	query('count-word', { count: 'many' });
	query('offset-word', { offset: 'first' });
	query('fields', { fields: '{"value":1}' });
	query('extra-key', { extra: '1' });
	query('id-array-two', { _id: ['Site_Name', 'Language'] });
	query('with-auth', {}, { auth: 'admin' });
});
op('settings.oauth', () => {
	query('valid', {});
	query('extra-key', { extra: '1' });
	query('with-auth', {}, { auth: 'admin' });
});

process.stdout.write(JSON.stringify({
	comment: 'Generated by gen-corpus.mjs (npm run -s corpus); edit that file, not this one.',
	restTypings: '8.8.1',
	ops: OPS,
	cases,
}, null, 1) + '\n');

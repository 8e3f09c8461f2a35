using StarChat.Cli;

return await StarChatCli.RunAsync(args);

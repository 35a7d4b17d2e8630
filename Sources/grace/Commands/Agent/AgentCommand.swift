import ArgumentParser

/// `grace agent`: the coding agent's process, its queue, and repairs without a running Grace.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "The coding agent: its tasks, reviews and reverts, and offline repair of a configuration.",
        discussion: """
            With `agent.enabled: true` Grace runs `grace agent run` as the kernel grace-agent. Playbook steps \
            (`agent_task`), people and the knowledge base queue tasks in <state_dir>/agent.sqlite; the agent \
            plans a change, passes it through its gate (compile with no new diagnostic, only the intended \
            documents changed, dry runs, policy, verify commands), commits it with git, has Grace reload, \
            watches what it touched and reverts it if that got worse. docs/agent.md has the whole story.
            """,
        subcommands: [
            AgentTasksCommand.self, AgentShowCommand.self, AgentAskCommand.self, AgentApproveCommand.self,
            AgentRevertCommand.self,
            AgentPauseCommand.self, AgentResumeCommand.self, AgentFixCommand.self, AgentRunCommand.self,
        ])
}
